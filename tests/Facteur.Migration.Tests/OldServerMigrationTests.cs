using System.Security.Cryptography;
using System.Text.Json;
using Facteur.MailStore.Folders;

namespace Facteur.Migration.Tests;

/// <summary>
/// A real old server: Debian's Dovecot over a fake root whose passwords were set by chpasswd (yescrypt), mail
/// in a Maildir (alice) and an mbox maildrop (bob), folders, flags and keywords made through Dovecot's IMAP.
/// The migration must give Facteur the same UIDVALIDITY, UIDs, flags, keywords, internal dates and bytes
/// (read from the store Facteur serves) and the same POP3 UIDLs, with the old passwords (Facteur's POP3 service,
/// Python's poplib). IMAP is compared on the store: Facteur's IMAP server is not in this branch.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class OldServerMigrationTests
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Scripts", "mailstate.py");

    [OldServerFact]
    public async Task Users_log_in_with_old_passwords_and_see_the_same_uids_flags_keywords_dates_bytes_and_uidls()
    {
        using var scratch = new Scratch();
        var host = new FakeHost(scratch["old"]);
        host.AddUsers(("alice", 1000, "alice pw"), ("bob", 1001, "bob pw"));
        // Mail as Postfix delivered it: local(8) with home_mailbox = Maildir/ for alice, the mbox for bob.
        MaildirFixture.Put(host["home/alice/Maildir"], "1730000000.V801I1M1.oldhost", "Return-Path: <x@example.org>\nDelivered-To: alice@esp.sn\nSubject: delivered\n\nhi\n"u8.ToArray(), new DateTime(2024, 10, 27, 3, 33, 20, DateTimeKind.Utc));
        File.WriteAllText(host["var/mail/bob"],
            "From x@example.org  Tue Nov  5 14:00:00 2024\nReturn-Path: <x@example.org>\nSubject: b1\n\nFrom now on\n\n"
            + "From x@example.org  Tue Nov  5 15:00:00 2024\nSubject: b2\n\nsecond\n\n");

        Dictionary<string, JsonElement> imapBefore = [];
        Dictionary<string, string> pop3Before = [];
        await using (var dovecot = await OldServer.StartAsync(host, scratch["dovecot"], ["alice", "bob"], ["bob"]))
        {
            Python("setup-alice", dovecot.ImapPort, "alice", "alice pw");
            Python("setup-bob", dovecot.ImapPort, "bob", "bob pw");
            foreach (var (user, password) in (ReadOnlySpan<(string, string)>)[("alice", "alice pw"), ("bob", "bob pw")])
            {
                // POP3 first: Dovecot's RETR sets \Seen, which IMAP then reports.
                pop3Before[user] = Python("pop3", dovecot.Pop3Port, user, password);
                imapBefore[user] = JsonDocument.Parse(Python("imap", dovecot.ImapPort, user, password)).RootElement;
            }
        }

        var mailRoot = scratch["mail"];
        string[] migrate = ["migrate", "from-host", "--domain", "esp.sn", "--all-users", "--root", host.Root, "--mail-root", mailRoot, "--accounts", scratch["accounts"], "--aliases", scratch["aliases"]];
        var run = Cli.Facteur(scratch.Path, migrate);
        Assert.True(run.ExitCode == 0, run.ToString());

        foreach (var (user, state) in imapBefore)
        {
            var maildir = UserMaildir.Open(mailRoot, $"{user}@esp.sn");
            var folders = state.GetProperty("folders");
            foreach (var folder in folders.EnumerateObject())
            {
                var store = maildir.Folder(folder.Name);
                var snapshot = await store.SynchronizeAsync();
                var keywords = DovecotKeywords.Read(store.Path);
                Assert.True(folder.Value.GetProperty("uidvalidity").GetUInt32() == snapshot.UidValidity, $"{user} {folder.Name} UIDVALIDITY");
                var expected = folder.Value.GetProperty("messages").EnumerateArray().Select(m => (
                    m.GetProperty("uid").GetUInt32(),
                    string.Join(' ', m.GetProperty("flags").EnumerateArray().Select(f => f.GetString())),
                    m.GetProperty("internaldate").GetInt64(),
                    m.GetProperty("size").GetInt64(),
                    m.GetProperty("sha256").GetString()!)).ToList();
                var actual = snapshot.Messages.Select(m =>
                {
                    var path = store.FullPath(m);
                    return (
                        m.Uid,
                        string.Join(' ', ImapFlags(m, keywords)),
                        new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeSeconds(),
                        MessageVirtualSize.Compute(path)!.Value,
                        WireHash(path));
                }).ToList();
                Assert.Equal(expected, actual);
            }

            var subscriptions = Facteur.Cli.Mbox.MaildirFolderFiles.ReadSubscriptions(maildir.Path).Order(StringComparer.Ordinal);
            Assert.Equal(state.GetProperty("subscribed").EnumerateArray().Select(s => s.GetString()).Where(s => s != "INBOX").Order(StringComparer.Ordinal), subscriptions);
        }

        var pop3Root = scratch["facteur"];
        Directory.CreateDirectory(pop3Root);
        await using (var facteur = await FacteurPop3.StartAsync(pop3Root, mailRoot, scratch["accounts"], scratch["aliases"]))
        {
            foreach (var (user, password) in (ReadOnlySpan<(string, string)>)[("alice", "alice pw"), ("bob", "bob pw")])
            {
                var after = Python("pop3", facteur.Port, $"{user}@esp.sn", password);
                Assert.True(pop3Before[user] == after, $"{user}: Dovecot {pop3Before[user]}\nFacteur {after}\n{facteur.Log}");
            }
        }

        // Run again: nothing changes on disk.
        var before = FakeHost.Snapshot(mailRoot);
        var again = Cli.Facteur(scratch.Path, migrate);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(before, FakeHost.Snapshot(mailRoot));
    }

    private static IEnumerable<string> ImapFlags(MaildirMessage message, DovecotKeywords keywords)
    {
        var names = new List<string>();
        if (message.Flags.HasFlag(MaildirFlags.Replied)) names.Add("\\Answered");
        if (message.Flags.HasFlag(MaildirFlags.Trashed)) names.Add("\\Deleted");
        if (message.Flags.HasFlag(MaildirFlags.Draft)) names.Add("\\Draft");
        if (message.Flags.HasFlag(MaildirFlags.Flagged)) names.Add("\\Flagged");
        if (message.Flags.HasFlag(MaildirFlags.Seen)) names.Add("\\Seen");
        names.AddRange(keywords.NamesOf(message.Keywords));
        return names.Order(StringComparer.Ordinal);
    }

    /// <summary>SHA-256 of the message as IMAP sends it: bare LF as CRLF.</summary>
    private static string WireHash(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var wire = new MemoryStream();
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n' && (i == 0 || bytes[i - 1] != (byte)'\r'))
            {
                wire.WriteByte((byte)'\r');
            }

            wire.WriteByte(bytes[i]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(wire.ToArray()));
    }

    private static string Python(string mode, int port, string user, string password) =>
        Cli.Tool("python3", [Script, mode, "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), user, password], timeoutSeconds: 60);
}
