using System.Globalization;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Search;
using MimeKit;

namespace Facteur.Migration.Tests;

/// <summary>
/// A real old server on this machine: system users made with useradd whose passwords chpasswd set (yescrypt),
/// mail delivered by Debian's Postfix (local(8): <c>home_mailbox = Maildir/</c> for alice, the /var/mail mbox
/// for bob), folders, flags and keywords made through Debian's Dovecot over IMAP, and what IMAP and POP3
/// clients saw recorded from Dovecot (MailKit, Python's poplib). The migration runs on the live files
/// (<c>--root /</c>); then Facteur's mailbox-api, started on the result, must show the same thing over IMAP and
/// POP3 with the old passwords; a second run must change nothing on disk; and after more mail through Postfix
/// and flag changes in Dovecot, a delta run must make Facteur show Dovecot's new state.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class OldServerMigrationTests
{
    private const string Domain = "esp.sn";
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Scripts", "mailstate.py");

    [OldServerFact]
    public async Task Mail_delivered_by_postfix_and_kept_by_dovecot_reads_the_same_through_facteur_with_the_old_passwords()
    {
        using var scratch = new Scratch();
        // Postfix's local(8) and Dovecot's mail processes run as the users: they must reach the homes.
        Cli.Tool("chmod", ["755", scratch.Path]);
        using var system = SystemAccounts.Create(scratch["home"], ("alice", "alice pw"), ("bob", "bob pw ünïcode"));
        var (alice, bob) = (system["alice"], system["bob"]);
        Assert.StartsWith("$y$", SystemAccounts.ShadowHash(alice.Name), StringComparison.Ordinal);

        // The old server runs the whole time, as it does in a real move until the MX points at Facteur.
        await using var postfix = await OldPostfix.StartAsync(scratch["postfix"], Domain, [bob]);
        await SendAsync(postfix.Port, alice, "first", "hello");
        await SendAsync(postfix.Port, alice, "second", "From the desk of\r\n.dot line\r\nd\u00e9j\u00e0 vu, 8-bit");
        await SendAsync(postfix.Port, alice, "third", string.Join("\r\n", Enumerable.Repeat(new string('x', 70), 80)));
        await SendAsync(postfix.Port, bob, "b1", "From now on, a line that starts with From\r\nend");
        await SendAsync(postfix.Port, bob, "b2", "second");
        await postfix.WaitForDeliveriesAsync(5);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(alice.Home, "Maildir", "new")).Length);
        Assert.StartsWith("From ", await File.ReadAllTextAsync(bob.Spool), StringComparison.Ordinal);

        await using var dovecot = await OldServer.StartAsync(scratch["dovecot"], system.All, [bob]);
        await MakeFoldersAndFlagsAsync(dovecot.ImapPort, alice);
        await FlagTheMboxAsync(dovecot.ImapPort, bob);
        var (imapBefore, pop3Before) = await RecordAsync(dovecot, system.All);

        // Dovecot keeps bob's flags in the mbox itself: that is what the migration has to read.
        var spool = await File.ReadAllTextAsync(bob.Spool);
        Assert.Contains("\nX-Status: A", spool, StringComparison.Ordinal);
        Assert.Contains("\nX-Keywords: Junk", spool, StringComparison.Ordinal);
        Assert.Contains("\nX-IMAPbase: ", spool, StringComparison.Ordinal);
        Assert.Contains("\\Answered \\Seen", imapBefore[bob.Name], StringComparison.Ordinal);
        Assert.Contains("\\Seen Junk)", imapBefore[bob.Name], StringComparison.Ordinal);
        Assert.Contains("\\Deleted \\Seen", imapBefore[alice.Name], StringComparison.Ordinal);
        Assert.Contains("$Label1 Important", imapBefore[alice.Name], StringComparison.Ordinal);

        var mailRoot = scratch["mail"];
        string[] migrate = ["migrate", "from-host", "--domain", Domain, "--users", $"{alice.Name},{bob.Name}", "--root", "/", "--mail-root", mailRoot, "--accounts", scratch["accounts"], "--aliases", scratch["aliases"], "--domains-file", scratch["domains"]];

        var dry = Cli.Facteur(scratch.Path, [.. migrate, "--dry-run"]);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains($"{alice.Name}@{Domain}: Maildir folder INBOX:", dry.Output, StringComparison.Ordinal);
        Assert.Contains($"{alice.Name}@{Domain}: Maildir folder Work.Projects:", dry.Output, StringComparison.Ordinal);
        Assert.Contains($"{bob.Name}@{Domain}: mbox {bob.Spool} -> INBOX: 2 messages", dry.Output, StringComparison.Ordinal);
        Assert.Contains($"{bob.Name}@{Domain}: mbox {Path.Combine(bob.Home, "mail", "Archive")} -> Archive: 1 messages", dry.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(mailRoot), "--dry-run made the mail root");
        Assert.False(File.Exists(scratch["accounts"]), "--dry-run wrote the accounts file");

        var first = Cli.Facteur(scratch.Path, migrate);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(
            [$"{alice.Name}@{Domain}:{{CRYPT}}{SystemAccounts.ShadowHash(alice.Name)}:::::", $"{bob.Name}@{Domain}:{{CRYPT}}{SystemAccounts.ShadowHash(bob.Name)}:::::"],
            await File.ReadAllLinesAsync(scratch["accounts"]));

        var onDisk = FakeHost.Snapshot(mailRoot);
        var second = Cli.Facteur(scratch.Path, migrate);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(onDisk, FakeHost.Snapshot(mailRoot));

        Directory.CreateDirectory(scratch["facteur"]);
        await using var facteur = await FacteurMailboxApi.StartAsync(scratch["facteur"], mailRoot, scratch["accounts"], scratch["aliases"]);
        await AssertSameAsync(imapBefore, pop3Before, facteur, system.All);
        using (var client = new ImapClient())
        {
            await client.ConnectAsync("127.0.0.1", facteur.ImapPort, MailKit.Security.SecureSocketOptions.None);
            await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => client.AuthenticateAsync($"{alice.Name}@{Domain}", "bob pw ünïcode"));
        }

        // Before the MX switch mail still arrives at the old server and users still read and flag there; the
        // delta run, with Facteur already serving, carries that over: new mail with Dovecot's UIDs, new flags.
        await SendAsync(postfix.Port, alice, "fourth", "arrived after the first run");
        await SendAsync(postfix.Port, bob, "b3", "arrived after the first run");
        await postfix.WaitForDeliveriesAsync(7);
        await ChangeFlagsAsync(dovecot.ImapPort, alice, 0, new StoreFlagsRequest(StoreAction.Remove, MessageFlags.Deleted) { Silent = true });
        await ChangeFlagsAsync(dovecot.ImapPort, alice, 2, new StoreFlagsRequest(StoreAction.Add, MessageFlags.None) { Keywords = { "$Label2" }, Silent = true });
        await ChangeFlagsAsync(dovecot.ImapPort, bob, 1, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Flagged) { Silent = true });
        var (imapLater, pop3Later) = await RecordAsync(dovecot, system.All);
        Assert.NotEqual(imapBefore[alice.Name], imapLater[alice.Name]);
        Assert.NotEqual(imapBefore[bob.Name], imapLater[bob.Name]);

        var delta = Cli.Facteur(scratch.Path, migrate);
        Assert.True(delta.ExitCode == 0, delta.ToString() + facteur.Log);
        Assert.Matches(@"total\s+\d+\s+2\s+\d+\s+3\s", delta.Output); // 2 new messages, 3 with new flags
        await AssertSameAsync(imapLater, pop3Later, facteur, system.All);
    }

    /// <summary>What IMAP and POP3 clients see on Dovecot; POP3 first: its RETR sets \Seen, which IMAP then reports.</summary>
    private static async Task<(Dictionary<string, string> Imap, Dictionary<string, string> Pop3)> RecordAsync(OldServer dovecot, IEnumerable<SystemUser> users)
    {
        var (imap, pop3) = (new Dictionary<string, string>(), new Dictionary<string, string>());
        foreach (var user in users)
        {
            pop3[user.Name] = Pop3(dovecot.Pop3Port, user.Name, user.Password);
            imap[user.Name] = await ImapView.ReadAsync(dovecot.ImapPort, user.Name, user.Password);
        }

        return (imap, pop3);
    }

    private static async Task AssertSameAsync(Dictionary<string, string> imap, Dictionary<string, string> pop3, FacteurMailboxApi facteur, IEnumerable<SystemUser> users)
    {
        foreach (var user in users)
        {
            var address = $"{user.Name}@{Domain}";
            await AssertSameImapViewAsync(imap[user.Name], facteur, user);
            var view = Pop3(facteur.Pop3Port, address, user.Password);
            Assert.True(pop3[user.Name] == view, $"{address} over POP3\nDovecot: {pop3[user.Name]}\nFacteur: {view}");
        }
    }

    private static async Task ChangeFlagsAsync(int port, SystemUser user, int index, IStoreFlagsRequest request)
    {
        using var client = await LoginAsync(port, user);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = await client.Inbox.SearchAsync(SearchQuery.All);
        await client.Inbox.StoreAsync(uids[index], request);
        await client.Inbox.CloseAsync(expunge: false);
        await client.DisconnectAsync(quit: true);
    }

    private static async Task AssertSameImapViewAsync(string dovecot, FacteurMailboxApi facteur, SystemUser user)
    {
        var address = $"{user.Name}@{Domain}";
        var view = await ImapView.ReadAsync(facteur.ImapPort, address, user.Password, ImapView.FolderNames(dovecot));
        Assert.True(dovecot == view, $"{address} over IMAP\nDovecot:\n{dovecot}\nFacteur:\n{view}\n{facteur.Log}");
    }

    private static async Task SendAsync(int port, SystemUser to, string subject, string body)
    {
        var raw = $"From: Someone <someone@example.org>\r\nTo: {to.Name}@{Domain}\r\nSubject: {subject}\r\nMessage-ID: <{subject}.{to.Name}@example.org>\r\nDate: Tue, 01 Oct 2024 08:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n";
        using var message = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(raw)));
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
    }

    /// <summary>alice, through Dovecot: flags and keywords on what Postfix delivered, folders, appends with dates.</summary>
    private static async Task MakeFoldersAndFlagsAsync(int port, SystemUser user)
    {
        using var client = await LoginAsync(port, user);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = await inbox.SearchAsync(SearchQuery.All);
        Assert.Equal(3, uids.Count);
        await inbox.StoreAsync(uids[0], new StoreFlagsRequest(StoreAction.Add, MessageFlags.Seen | MessageFlags.Deleted) { Silent = true }); // flagged deleted, not expunged
        await inbox.StoreAsync(uids[1], new StoreFlagsRequest(StoreAction.Add, MessageFlags.Flagged | MessageFlags.Answered) { Keywords = { "Important", "$Label1" }, Silent = true });
        await inbox.AppendAsync(new AppendRequest(Composed("appended", "kept in the inbox"), MessageFlags.Seen, ["Important"], new DateTimeOffset(2024, 10, 3, 10, 0, 0, TimeSpan.FromHours(2))));
        await inbox.CloseAsync(expunge: false);

        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var sent = await personal.CreateAsync("Sent", isMessageFolder: true) ?? throw new InvalidOperationException("CREATE Sent");
        await sent.SubscribeAsync();
        await sent.AppendAsync(new AppendRequest(Composed("sent one", "bye"), MessageFlags.Seen, new DateTimeOffset(2024, 10, 4, 11, 0, 0, TimeSpan.Zero)));
        var work = await personal.CreateAsync("Work", isMessageFolder: true) ?? throw new InvalidOperationException("CREATE Work");
        var projects = await work.CreateAsync("Projects", isMessageFolder: true) ?? throw new InvalidOperationException("CREATE Work.Projects");
        await projects.SubscribeAsync();
        await projects.AppendAsync(new AppendRequest(Composed("draft", "later"), MessageFlags.Draft | MessageFlags.Seen, new DateTimeOffset(2024, 10, 5, 12, 0, 0, TimeSpan.Zero)));
        await client.DisconnectAsync(quit: true);
    }

    /// <summary>bob, through Dovecot: flags and a keyword on the mbox INBOX (Dovecot writes them into the file), an mbox folder.</summary>
    private static async Task FlagTheMboxAsync(int port, SystemUser user)
    {
        using var client = await LoginAsync(port, user);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = await inbox.SearchAsync(SearchQuery.All);
        Assert.Equal(2, uids.Count);
        await inbox.StoreAsync(uids[0], new StoreFlagsRequest(StoreAction.Add, MessageFlags.Seen | MessageFlags.Answered) { Silent = true });
        await inbox.StoreAsync(uids[1], new StoreFlagsRequest(StoreAction.Add, MessageFlags.None) { Keywords = { "Junk" }, Silent = true });
        await inbox.CloseAsync(expunge: false);
        var archive = await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync("Archive", isMessageFolder: true) ?? throw new InvalidOperationException("CREATE Archive");
        await archive.SubscribeAsync();
        await archive.AppendAsync(new AppendRequest(Composed("archived", "old"), MessageFlags.Seen | MessageFlags.Flagged, DateTimeOffset.FromUnixTimeSeconds(1600000000)));
        await client.DisconnectAsync(quit: true);
    }

    private static async Task<ImapClient> LoginAsync(int port, SystemUser user)
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(user.Name, user.Password);
        return client;
    }

    private static MimeMessage Composed(string subject, string body) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes($"From: alice@esp.sn\r\nTo: bob@esp.sn\r\nSubject: {subject}\r\nMessage-ID: <{subject.Replace(' ', '.')}@esp.sn>\r\n\r\n{body}\r\n")));

    private static string Pop3(int port, string user, string password) =>
        Cli.Tool("python3", [Script, "pop3", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), user, password], timeoutSeconds: 60);
}
