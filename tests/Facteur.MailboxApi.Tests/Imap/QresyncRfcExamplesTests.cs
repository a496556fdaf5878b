using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// The examples of RFC 7162 §3.2.5 and §3.2.10 replayed over a socket with the same data: UIDVALIDITY,
/// UIDs, mod-sequences, flags and expunges are written into the Maildir, its uidlist and keywords, and
/// Facteur's index exactly as the RFC's server holds them, then the client's commands are sent verbatim.
/// </summary>
public sealed partial class QresyncRfcExamplesTests
{
    /// <summary>One message of a crafted folder: UID, mod-sequence, Maildir flag letters (a–z are keywords).</summary>
    private sealed record Crafted(uint Uid, ulong ModSeq, string Flags = "");

    /// <summary>Writes a folder as Dovecot and Facteur would have left it after the history the RFC assumes.</summary>
    private static void Craft(string maildir, uint uidValidity, uint uidNext, ulong highestModSeq, IEnumerable<Crafted> messages, IEnumerable<(uint Uid, ulong ModSeq)> expunged, params string[] keywords)
    {
        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        var uidList = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"3 V{uidValidity} N{uidNext} G0123456789abcdef0123456789abcdef\n"));
        var index = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"facteur-index 3 V{uidValidity} H{highestModSeq} G42\n"));
        foreach (var (uid, modSeq) in expunged)
        {
            index.Append(CultureInfo.InvariantCulture, $"X {uid} {modSeq}\n");
        }

        var mtime = new DateTimeOffset(2014, 5, 1, 12, 0, 0, TimeSpan.Zero);
        foreach (var message in messages.OrderBy(m => m.Uid))
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"1400000000.M{message.Uid}P1.rfc7162");
            var name = key + ":2," + message.Flags;
            var content = $"From: a@example.test\r\nSubject: uid {message.Uid}\r\nMessage-ID: <{message.Uid}@example.test>\r\n\r\nbody\r\n";
            var path = Path.Combine(maildir, "cur", name);
            File.WriteAllText(path, content);
            File.SetLastWriteTimeUtc(path, mtime.UtcDateTime);
            uidList.Append(CultureInfo.InvariantCulture, $"{message.Uid} :{key}\n");
            index.Append(CultureInfo.InvariantCulture, $"{message.Uid} {message.ModSeq} {content.Length} {mtime.ToUnixTimeMilliseconds()} -1 0 -1 0 c {name}\n");
        }

        File.WriteAllText(Path.Combine(maildir, "dovecot-uidlist"), uidList.ToString());
        File.WriteAllText(Path.Combine(maildir, "dovecot-keywords"), string.Concat(keywords.Select((k, i) => $"{i} {k}\n")));
        File.WriteAllText(Path.Combine(maildir, "facteur-index"), index.ToString());
    }

    private static async Task<RawImapClient> LoginAsync(ImapTestServer server)
    {
        var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
        return client;
    }

    /// <summary>A FETCH line with its FLAGS as a set (flag order is the server's choice).</summary>
    private static (string Head, HashSet<string> Flags, string ModSeq) Fetch(string line)
    {
        var match = FetchLine().Match(line);
        Assert.True(match.Success, line);
        return (match.Groups[1].Value, match.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(), match.Groups[3].Value);
    }

    [GeneratedRegex(@"^(\* \d+ FETCH \(UID \d+) FLAGS \(([^)]*)\) MODSEQ \((\d+)\)\)$")]
    private static partial Regex FetchLine();

    [Fact]
    public async Task Rfc7162_section_3_2_5_select_qresync_example()
    {
        await using var server = await ImapTestServer.StartAsync();
        // Present: 117, 119, 541 (changed since the client's mod-sequence) and 42, 212, 213, 560 (not in the
        // client's known UIDs); every other UID below 541 was expunged after 20050715194045000.
        Crafted[] present =
        [
            new(42, 100), new(117, 90060115194045001, "RS"), new(119, 90060115194045308, "Da"),
            new(212, 100), new(213, 100), new(541, 90060115194045001, "Sb"), new(560, 100),
        ];
        var presentUids = present.Select(m => m.Uid).ToHashSet();
        var expunged = Enumerable.Range(1, 540).Select(u => (uint)u).Where(u => !presentUids.Contains(u)).Select(u => (u, 20050715194045100UL));
        Craft(server.Maildir(), 67890007, 600, 90060115194045308, present, expunged, "$NotJunk", "$Forwarded");

        await using var client = await LoginAsync(server);
        await client.CommandAsync("A00", "ENABLE QRESYNC");
        await client.CommandAsync("A01", "SELECT Trash");
        var lines = await client.CommandAsync("A02", "SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))");

        Assert.StartsWith("A02 OK [READ-WRITE]", lines[^1]);
        Assert.StartsWith("* OK [CLOSED]", lines[0]);
        Assert.Contains("* 7 EXISTS", lines);
        Assert.Contains(lines, l => l.StartsWith("* OK [UIDVALIDITY 67890007]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("* OK [UIDNEXT 600]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("* OK [HIGHESTMODSEQ 90060115194045308]", StringComparison.Ordinal));
        Assert.Contains("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540", lines);
        var fetches = lines.Where(l => l.Contains(" FETCH ", StringComparison.Ordinal)).Select(Fetch).ToList();
        Assert.Equal(3, fetches.Count);
        Assert.Equal(("* 2 FETCH (UID 117", "90060115194045001"), (fetches[0].Head, fetches[0].ModSeq));
        Assert.True(fetches[0].Flags.SetEquals([@"\Seen", @"\Answered"]));
        Assert.Equal(("* 3 FETCH (UID 119", "90060115194045308"), (fetches[1].Head, fetches[1].ModSeq));
        Assert.True(fetches[1].Flags.SetEquals([@"\Draft", "$NotJunk"]));
        Assert.Equal(("* 6 FETCH (UID 541", "90060115194045001"), (fetches[2].Head, fetches[2].ModSeq));
        Assert.True(fetches[2].Flags.SetEquals([@"\Seen", "$Forwarded"]));
        // The VANISHED (EARLIER) comes before the FETCHes, as in the example.
        Assert.True(lines.FindIndex(l => l.StartsWith("* VANISHED", StringComparison.Ordinal)) < lines.FindIndex(l => l.Contains(" FETCH ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Rfc7162_section_3_2_10_uid_fetch_vanished_and_expunge_examples()
    {
        await using var server = await ImapTestServer.StartAsync();
        Crafted[] present = [new(404, 65402, "S"), new(406, 75403, "T"), new(407, 100), new(408, 29738, "abc")];
        // 300:310, 405 and 411 went after mod-sequence 12345; older expunges (200:299) must not be reported.
        var expunged = Enumerable.Range(200, 100).Select(u => ((uint)u, 5000UL))
            .Concat(Enumerable.Range(300, 11).Select(u => ((uint)u, 20000UL)))
            .Append((405u, 30000UL)).Append((411u, 40000UL));
        Craft(server.Maildir(), 1, 412, 75403, present, expunged, "$NoJunk", "$AutoJunk", "$MDNSent");

        await using var client = await LoginAsync(server);
        await client.CommandAsync("A01", "ENABLE QRESYNC");
        await client.CommandAsync("A02", "SELECT INBOX");
        var lines = await client.CommandAsync("A03", "UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)");
        Assert.StartsWith("A03 OK", lines[^1]);
        Assert.Equal("* VANISHED (EARLIER) 300:310,405,411", lines[0]);
        var fetches = lines.Skip(1).SkipLast(1).Select(Fetch).ToList();
        Assert.Equal(["* 1 FETCH (UID 404", "* 2 FETCH (UID 406", "* 4 FETCH (UID 408"], fetches.Select(f => f.Head));
        Assert.Equal(["65402", "75403", "29738"], fetches.Select(f => f.ModSeq));
        Assert.True(fetches[0].Flags.SetEquals([@"\Seen"]));
        Assert.True(fetches[1].Flags.SetEquals([@"\Deleted"]));
        Assert.True(fetches[2].Flags.SetEquals(["$NoJunk", "$AutoJunk", "$MDNSent"]));

        // §3.2.10: "C: A202 EXPUNGE / S: * VANISHED 405,407,410,425" — here the \Deleted messages are 406 and 407.
        await client.CommandAsync("A201", @"UID STORE 407 +FLAGS.SILENT (\Deleted)");
        var expunge = await client.CommandAsync("A202", "EXPUNGE");
        Assert.Equal(["* VANISHED 406:407", "A202 OK Expunge completed."], expunge);
    }
}
