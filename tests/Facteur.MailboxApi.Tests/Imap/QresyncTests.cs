using System.Globalization;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>QRESYNC (RFC 7162 §3.2): ENABLE, SELECT/EXAMINE (QRESYNC ...), VANISHED, UID FETCH (CHANGEDSINCE n VANISHED), [CLOSED].</summary>
public sealed class QresyncTests
{
    private static async Task<RawImapClient> LoginAsync(int port)
    {
        var client = await RawImapClient.ConnectAsync(port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
        return client;
    }

    private static ulong Code(List<string> lines, string code) =>
        ulong.Parse(lines.Single(l => l.StartsWith($"* OK [{code} ", StringComparison.Ordinal)).Split(' ')[3].TrimEnd(']'), CultureInfo.InvariantCulture);

    private static void DeliverMany(string maildir, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            MaildirSeed.Deliver(maildir, MaildirSeed.Message("message " + i, "body " + i + "\r\n"));
        }
    }

    [Fact]
    public async Task Select_qresync_reports_vanished_earlier_and_changed_flags_since_the_clients_modseq()
    {
        await using var server = await ImapTestServer.StartAsync();
        DeliverMany(server.Maildir(), 6);
        await using var first = await LoginAsync(server.Port);
        Assert.Contains("* ENABLED QRESYNC", await first.CommandAsync("e", "ENABLE QRESYNC"));
        var select = await first.CommandAsync("s", "SELECT INBOX");
        var uidValidity = Code(select, "UIDVALIDITY");
        var highest = Code(select, "HIGHESTMODSEQ");
        Assert.StartsWith("l OK", (await first.CommandAsync("l", "LOGOUT"))[^1]);

        // Another client changes the mailbox while the first is away.
        await using (var other = await LoginAsync(server.Port))
        {
            await other.CommandAsync("s", "SELECT INBOX");
            await other.CommandAsync("a", @"UID STORE 2 +FLAGS (\Flagged)");
            await other.CommandAsync("b", @"UID STORE 3,5 +FLAGS (\Deleted)");
            Assert.StartsWith("c OK", (await other.CommandAsync("c", "EXPUNGE"))[^1]);
        }

        await using var again = await LoginAsync(server.Port);
        Assert.StartsWith("s BAD", (await again.CommandAsync("s", $"SELECT INBOX (QRESYNC ({uidValidity} {highest}))"))[^1]);
        await again.CommandAsync("e", "ENABLE QRESYNC");
        var resync = await again.CommandAsync("q", $"SELECT INBOX (QRESYNC ({uidValidity} {highest}))");
        Assert.StartsWith("q OK [READ-WRITE]", resync[^1]);
        Assert.Contains("* VANISHED (EARLIER) 3,5", resync);
        var fetch = Assert.Single(resync, l => l.Contains(" FETCH ", StringComparison.Ordinal));
        Assert.Matches(@"^\* 2 FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$", fetch);
        Assert.Contains("* 4 EXISTS", resync);
        Assert.True(Code(resync, "HIGHESTMODSEQ") > highest);

        // Known UIDs limit both the VANISHED and the FETCH responses; a mailbox already selected is [CLOSED] first.
        var known = await again.CommandAsync("k", $"EXAMINE INBOX (QRESYNC ({uidValidity} {highest} 1:4 (1:4 1:4)))");
        Assert.Equal("* OK [CLOSED] Previous mailbox closed.", known[0]);
        Assert.Contains("* VANISHED (EARLIER) 3", known);
        Assert.Single(known, l => l.Contains(" FETCH ", StringComparison.Ordinal));

        // Another UIDVALIDITY: the client's cache is void, a plain SELECT follows (§3.2.5).
        var stale = await again.CommandAsync("v", $"SELECT INBOX (QRESYNC ({uidValidity + 1} {highest}))");
        Assert.StartsWith("v OK", stale[^1]);
        Assert.DoesNotContain(stale, l => l.StartsWith("* VANISHED", StringComparison.Ordinal) || l.Contains(" FETCH ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Expunge_in_one_session_is_vanished_in_a_qresync_session_and_expunge_in_a_plain_one()
    {
        await using var server = await ImapTestServer.StartAsync();
        DeliverMany(server.Maildir(), 5);
        await using var qresync = await LoginAsync(server.Port);
        await qresync.CommandAsync("e", "ENABLE QRESYNC");
        await qresync.CommandAsync("s", "SELECT INBOX");
        await using var plain = await LoginAsync(server.Port);
        await plain.CommandAsync("s", "SELECT INBOX");
        await using var actor = await LoginAsync(server.Port);
        await actor.CommandAsync("s", "SELECT INBOX");
        await actor.CommandAsync("a", @"UID STORE 2,4 +FLAGS.SILENT (\Deleted)");
        await actor.CommandAsync("b", "EXPUNGE");

        var noop = await qresync.CommandAsync("n", "NOOP");
        Assert.Contains("* VANISHED 2,4", noop);
        Assert.DoesNotContain(noop, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        var plainNoop = await plain.CommandAsync("n", "NOOP");
        Assert.Equal(["* 4 EXPUNGE", "* 2 EXPUNGE"], plainNoop.Where(l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal)));

        // Not while answering a non-UID FETCH (RFC 3501 §7.4.1 holds for VANISHED too, RFC 7162 §3.2.10).
        await actor.CommandAsync("c", @"UID STORE 5 +FLAGS.SILENT (\Deleted)");
        await actor.CommandAsync("d", "EXPUNGE");
        var fetch = await qresync.CommandAsync("f", "FETCH 1 (FLAGS)");
        Assert.DoesNotContain(fetch, l => l.StartsWith("* VANISHED", StringComparison.Ordinal));
        Assert.Matches(@"^\* 1 FETCH \(UID 1 FLAGS \(\) MODSEQ \(\d+\)\)$", fetch.Single(l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal)));
        Assert.Contains("* VANISHED 5", await qresync.CommandAsync("g", "UID FETCH 1 (FLAGS)"));

        // The session's own EXPUNGE and MOVE report VANISHED too.
        await qresync.CommandAsync("h", @"STORE 1 +FLAGS.SILENT (\Deleted)");
        var expunge = await qresync.CommandAsync("i", "EXPUNGE");
        Assert.Contains("* VANISHED 1", expunge);
        Assert.DoesNotContain(expunge, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        var move = await qresync.CommandAsync("j", "UID MOVE 3 Trash");
        Assert.Contains("* VANISHED 3", move);
        Assert.StartsWith("j OK", move[^1]);
    }

    [Fact]
    public async Task Uid_fetch_changedsince_vanished_reports_expunges_within_the_set()
    {
        await using var server = await ImapTestServer.StartAsync();
        DeliverMany(server.Maildir(), 6);
        await using var client = await LoginAsync(server.Port);
        var highest = Code(await client.CommandAsync("s", "SELECT INBOX"), "HIGHESTMODSEQ");
        Assert.StartsWith("a BAD", (await client.CommandAsync("a", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"))[^1]);
        Assert.Contains("* ENABLED QRESYNC", await client.CommandAsync("e", "ENABLE QRESYNC"));
        await client.CommandAsync("b", @"UID STORE 1,4 +FLAGS.SILENT (\Deleted)");
        await client.CommandAsync("c", "EXPUNGE");
        await client.CommandAsync("d", @"UID STORE 6 +FLAGS.SILENT (\Seen)");

        var lines = await client.CommandAsync("f", $"UID FETCH 2:* (FLAGS) (CHANGEDSINCE {highest} VANISHED)");
        Assert.StartsWith("f OK", lines[^1]);
        Assert.Equal("* VANISHED (EARLIER) 4", lines[0]);
        Assert.Matches(@"^\* 4 FETCH \(UID 6 FLAGS \(\\Seen\) MODSEQ \(\d+\)\)$", Assert.Single(lines, l => l.Contains(" FETCH ", StringComparison.Ordinal)));
        Assert.StartsWith("g BAD", (await client.CommandAsync("g", $"FETCH 1:* (FLAGS) (CHANGEDSINCE {highest} VANISHED)"))[^1]);
        Assert.StartsWith("h BAD", (await client.CommandAsync("h", "UID FETCH 1:* (FLAGS) (VANISHED)"))[^1]);
    }

    [Fact]
    public async Task Expunge_records_survive_a_restart_and_a_lost_index_makes_clients_resync_fully()
    {
        using var root = new ScratchDirectory();
        var settings = new Dictionary<string, string?> { ["Facteur:MailRoot"] = root.Path };
        var maildir = Path.Combine(root.Path, "example.test", "alice");
        DeliverMany(maildir, 5);
        ulong uidValidity, highest;
        await using (var server = await ImapTestServer.StartAsync(settings))
        await using (var client = await LoginAsync(server.Port))
        {
            await client.CommandAsync("e", "ENABLE QRESYNC");
            var select = await client.CommandAsync("s", "SELECT INBOX");
            uidValidity = Code(select, "UIDVALIDITY");
            highest = Code(select, "HIGHESTMODSEQ");
            await client.CommandAsync("a", @"UID STORE 2,4 +FLAGS.SILENT (\Deleted)");
            Assert.Contains("* VANISHED 2,4", await client.CommandAsync("b", "EXPUNGE"));
        }

        ulong afterRestart;
        await using (var server = await ImapTestServer.StartAsync(settings))
        await using (var client = await LoginAsync(server.Port))
        {
            await client.CommandAsync("e", "ENABLE QRESYNC");
            var resync = await client.CommandAsync("s", $"SELECT INBOX (QRESYNC ({uidValidity} {highest}))");
            Assert.Contains("* VANISHED (EARLIER) 2,4", resync);
            Assert.DoesNotContain(resync, l => l.Contains(" FETCH ", StringComparison.Ordinal));
            afterRestart = Code(resync, "HIGHESTMODSEQ");
            Assert.True(afterRestart > highest);
        }

        // The index (with its expunge records) is lost: it is rebuilt from the Maildir, HIGHESTMODSEQ
        // moves past everything handed out before, and a client resyncing from an old mod-sequence is
        // told of every absent UID and gets the flags of every message again (RFC 7162 §3.2.5.2).
        File.Delete(Path.Combine(maildir, "facteur-index"));
        await using (var server = await ImapTestServer.StartAsync(settings))
        await using (var client = await LoginAsync(server.Port))
        {
            await client.CommandAsync("e", "ENABLE QRESYNC");
            var resync = await client.CommandAsync("s", $"SELECT INBOX (QRESYNC ({uidValidity} {afterRestart}))");
            Assert.Equal(uidValidity, Code(resync, "UIDVALIDITY"));
            Assert.True(Code(resync, "HIGHESTMODSEQ") > afterRestart);
            Assert.Contains("* VANISHED (EARLIER) 2,4", resync);
            Assert.Equal(["UID 1 ", "UID 3 ", "UID 5 "], resync.Where(l => l.Contains(" FETCH ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("UID", StringComparison.Ordinal))..(l.IndexOf("FLAGS", StringComparison.Ordinal))]));
        }
    }

    [Fact]
    public async Task Mailkit_quick_resync_reports_vanished_and_flag_changes()
    {
        await using var server = await ImapTestServer.StartAsync();
        DeliverMany(server.Maildir(), 4);
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.QuickResync));
        await client.EnableQuickResyncAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uidValidity = inbox.UidValidity;
        var highest = inbox.HighestModSeq;
        var known = await inbox.SearchAsync(SearchQuery.All);
        await inbox.CloseAsync();

        await using (var other = await LoginAsync(server.Port))
        {
            await other.CommandAsync("s", "SELECT INBOX");
            await other.CommandAsync("a", @"UID STORE 1 +FLAGS (\Answered)");
            await other.CommandAsync("b", @"UID STORE 3 +FLAGS.SILENT (\Deleted)");
            await other.CommandAsync("c", "EXPUNGE");
        }

        var vanished = new List<(bool Earlier, uint[] Uids)>();
        var flagged = new List<uint>();
        inbox.MessagesVanished += (_, e) => vanished.Add((e.Earlier, e.UniqueIds.Select(u => u.Id).ToArray()));
        inbox.MessageFlagsChanged += (_, e) =>
        {
            if (e.UniqueId is { } uid && e.Flags.HasFlag(MessageFlags.Answered))
            {
                flagged.Add(uid.Id);
            }
        };
        await inbox.OpenAsync(FolderAccess.ReadWrite, uidValidity, highest, known);
        Assert.Contains(vanished, v => v.Earlier && v.Uids.SequenceEqual([3u]));
        Assert.Equal([1u], flagged);
        Assert.Equal(3, inbox.Count);

        // Live: an expunge by another session arrives as VANISHED (not EARLIER).
        await using (var other = await LoginAsync(server.Port))
        {
            await other.CommandAsync("s", "SELECT INBOX");
            await other.CommandAsync("a", @"UID STORE 4 +FLAGS.SILENT (\Deleted)");
            await other.CommandAsync("b", "EXPUNGE");
        }

        await client.NoOpAsync();
        Assert.Contains(vanished, v => !v.Earlier && v.Uids.SequenceEqual([4u]));
        Assert.Equal(2, inbox.Count);
        await client.DisconnectAsync(true);
    }
}
