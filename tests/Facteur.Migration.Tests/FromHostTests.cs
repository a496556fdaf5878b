using System.Text;
using Facteur.Accounts.Passwords;
using Facteur.MailStore.Folders;

namespace Facteur.Migration.Tests;

public sealed class FromHostTests
{
    private static readonly DateTime Day = new(2024, 11, 5, 14, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Maildir_mbox_passwords_and_aliases_are_carried_over_and_a_second_run_changes_nothing()
    {
        using var scratch = new Scratch();
        var host = new FakeHost(scratch["old"]);
        host.AddUsers(("alice", 1000, "alice pw"), ("bob", 1001, "bob pw"), ("carol", 1002, null));

        // alice: a Dovecot Maildir++ with folders, flags, keywords, uidlist and subscriptions.
        var maildir = host["home/alice/Maildir"];
        MaildirFixture.Put(maildir, "1730815200.M1P10.old,S=30,W=32:2,S", "Subject: a1\n\nhello alice\n"u8.ToArray(), Day);
        MaildirFixture.Put(maildir, "1730815300.M2P10.old,S=30,W=32:2,FRa", "Subject: a2\n\nflagged one\n"u8.ToArray(), Day.AddMinutes(5));
        MaildirFixture.Put(maildir, "1730815400.M3P10.old,S=30,W=32", "Subject: a3\n\nnot yet listed by Dovecot\n"u8.ToArray(), Day.AddMinutes(9));
        File.WriteAllText(Path.Combine(maildir, "dovecot-uidlist"), "3 V1730000000 N8 G0123456789abcdef0123456789abcdef\n5 :1730815200.M1P10.old,S=30,W=32\n7 :1730815300.M2P10.old,S=30,W=32\n");
        File.WriteAllText(Path.Combine(maildir, "dovecot-keywords"), "0 Important\n");
        File.WriteAllText(Path.Combine(maildir, "subscriptions"), "Sent\nWork.Projects\n");
        MaildirFixture.Put(Path.Combine(maildir, ".Sent"), "1730815500.M4P10.old,S=20,W=21:2,S", "Subject: sent\n\nbye\n"u8.ToArray(), Day.AddHours(1));
        File.WriteAllText(Path.Combine(maildir, ".Sent", "dovecot-uidlist"), "3 V1730000001 N2\n1 :1730815500.M4P10.old,S=20,W=21\n");
        MaildirFixture.Put(Path.Combine(maildir, ".Work.Projects"), "1730815600.M5P10.old,S=20,W=21:2,T", "Subject: gone\n\nx\n"u8.ToArray(), Day.AddHours(2));

        // bob: an mbox maildrop kept by Dovecot (X-IMAPbase/X-UID) and an mbox folder under ~/mail.
        File.WriteAllText(host["var/mail/bob"],
            "From alice@esp.sn Tue Nov  5 14:00:00 2024\nX-IMAPbase: 1720000000 0000000004\nX-UID: 2\nStatus: RO\nX-Status: A\nSubject: b1\n\nFrom now on\n>From quoted\n\n"
            + "From carol@example.org Tue Nov  5 15:00:00 2024\nX-UID: 3\nStatus: O\nX-Keywords: Junk\nSubject: b2\n\nsecond\n");
        Directory.CreateDirectory(host["home/bob/mail"]);
        File.WriteAllText(host["home/bob/mail/Archive"], "From x@y Wed Jan  1 00:00:00 2020\nStatus: RO\nSubject: old\n\narchived\n");

        File.WriteAllText(host["etc/aliases"], "# See man 5 aliases\npostmaster: root\ninfo: alice, bob\n  , carol@example.org\nlog: |/usr/bin/logger\n");
        File.WriteAllText(host["etc/postfix/virtual"], "esp.sn anything\nsales@esp.sn alice\n@other.example bob\n");

        var mailRoot = scratch["mail"];
        string[] Args(params string[] extra) =>
            ["migrate", "from-host", "--domain", "esp.sn", "--root", host.Root, "--mail-root", mailRoot, "--accounts", scratch["accounts"], "--aliases", scratch["aliases"], .. extra];

        var dry = Cli.Facteur(scratch.Path, Args("--all-users", "--dry-run"));
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.False(Directory.Exists(mailRoot));
        Assert.False(File.Exists(scratch["accounts"]));
        Assert.Contains("Would migrate", dry.Output, StringComparison.Ordinal);

        var first = Cli.Facteur(scratch.Path, Args("--all-users"));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.DoesNotContain("\r", first.Error, StringComparison.Ordinal); // no progress bar when stderr is not a terminal

        // alice: names, mtimes, uidlist, keywords and subscriptions as Dovecot had them.
        var alice = UserMaildir.Open(mailRoot, "alice@esp.sn");
        var inbox = await alice.Inbox.SynchronizeAsync();
        Assert.Equal(1730000000u, inbox.UidValidity);
        Assert.Equal([5u, 7u, 8u], inbox.Messages.Select(m => m.Uid));
        Assert.Equal(MaildirFlags.Flagged | MaildirFlags.Replied, inbox.Messages[1].Flags);
        Assert.Equal(["Important"], DovecotKeywords.Read(alice.Inbox.Path).NamesOf(inbox.Messages[1].Keywords));
        Assert.True(inbox.Messages[2].IsNew);
        Assert.Equal(Day.AddMinutes(5), File.GetLastWriteTimeUtc(alice.Inbox.FullPath(inbox.Messages[1])));
        Assert.Equal(File.ReadAllBytes(Path.Combine(maildir, "cur", "1730815300.M2P10.old,S=30,W=32:2,FRa")), File.ReadAllBytes(alice.Inbox.FullPath(inbox.Messages[1])));
        var sent = await alice.Folder("Sent").SynchronizeAsync();
        Assert.Equal((1730000001u, 1u), (sent.UidValidity, sent.Messages.Single().Uid));
        Assert.True(alice.Folder("Work.Projects").Exists);
        Assert.Equal(["Sent", "Work.Projects"], File.ReadAllLines(Path.Combine(alice.Path, "subscriptions")));

        // bob: the maildrop became INBOX with Dovecot's UIDs, flags and dates; ~/mail/Archive a folder.
        var bob = UserMaildir.Open(mailRoot, "bob@esp.sn");
        var bobInbox = await bob.Inbox.SynchronizeAsync();
        Assert.Equal(1720000000u, bobInbox.UidValidity);
        Assert.Equal([2u, 3u], bobInbox.Messages.Select(m => m.Uid));
        Assert.Equal(MaildirFlags.Seen | MaildirFlags.Replied, bobInbox.Messages[0].Flags);
        // Dovecot served ">From quoted" as it is, so the bytes under UID 2 stay so (no mboxrd unquoting here).
        Assert.Equal("Subject: b1\n\nFrom now on\n>From quoted\n", File.ReadAllText(bob.Inbox.FullPath(bobInbox.Messages[0])));
        Assert.Equal(["Junk"], DovecotKeywords.Read(bob.Inbox.Path).NamesOf(bobInbox.Messages[1].Keywords));
        Assert.Equal(new DateTime(2024, 11, 5, 15, 0, 0, DateTimeKind.Local).ToUniversalTime(), File.GetLastWriteTimeUtc(bob.Inbox.FullPath(bobInbox.Messages[1])));
        Assert.Single((await bob.Folder("Archive").SynchronizeAsync()).Messages);
        Assert.Contains("Archive", File.ReadAllLines(Path.Combine(bob.Path, "subscriptions")));

        // Accounts: the shadow hashes as {CRYPT}, verified with the old passwords; carol (locked) has none.
        var accounts = File.ReadAllLines(scratch["accounts"]);
        Assert.Equal([$"alice@esp.sn:{{CRYPT}}{host.ShadowHash("alice")}:::::", $"bob@esp.sn:{{CRYPT}}{host.ShadowHash("bob")}:::::"], accounts);
        Assert.True(PasswordVerifier.Verify("alice pw", accounts[0].Split(':')[1]).Matches);
        Assert.True(PasswordVerifier.Verify("bob pw", accounts[1].Split(':')[1]).Matches);
        Assert.Contains("carol: no usable password", first.Output, StringComparison.Ordinal);

        // Aliases: local names qualified, the pipe reported, the other domain left out.
        Assert.Equal(["postmaster@esp.sn  root@esp.sn", "info@esp.sn  alice@esp.sn, bob@esp.sn, carol@example.org", "sales@esp.sn  alice@esp.sn"], File.ReadAllLines(scratch["aliases"]));
        Assert.Contains("|/usr/bin/logger", first.Output, StringComparison.Ordinal);
        Assert.Contains("@other.example", first.Output, StringComparison.Ordinal);

        // Run again: nothing doubled, nothing rewritten.
        var before = FakeHost.Snapshot(mailRoot);
        var accountsBefore = File.ReadAllText(scratch["accounts"]);
        var aliasesBefore = File.ReadAllText(scratch["aliases"]);
        var second = Cli.Facteur(scratch.Path, Args("--all-users"));
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(before, FakeHost.Snapshot(mailRoot));
        Assert.Equal(accountsBefore, File.ReadAllText(scratch["accounts"]));
        Assert.Equal(aliasesBefore, File.ReadAllText(scratch["aliases"]));
        Assert.Matches(@"total\s+5\s+0\s+8\s+0", second.Output);
    }

    [Fact]
    public async Task A_delta_run_copies_new_mail_and_takes_over_flag_changes_from_the_old_server()
    {
        using var scratch = new Scratch();
        var host = new FakeHost(scratch["old"]);
        host.AddUsers(("alice", 1000, "pw"));
        var maildir = host["home/alice/Maildir"];
        MaildirFixture.Put(maildir, "1.M1P1.old,S=9:2,", "a\n\nfirst\n"u8.ToArray(), Day);
        string[] args = ["migrate", "from-host", "--domain", "esp.sn", "--users", "alice", "--root", host.Root, "--mail-root", scratch["mail"], "--accounts", scratch["accounts"], "--aliases", scratch["aliases"]];
        Assert.Equal(0, Cli.Facteur(scratch.Path, args).ExitCode);

        // Meanwhile on the old server: the message was read, a new one arrived.
        File.Move(Path.Combine(maildir, "cur", "1.M1P1.old,S=9:2,"), Path.Combine(maildir, "cur", "1.M1P1.old,S=9:2,S"));
        MaildirFixture.Put(maildir, "2.M2P1.old,S=9", "b\n\nsecond\n"u8.ToArray(), Day.AddDays(1));
        var delta = Cli.Facteur(scratch.Path, args);

        Assert.True(delta.ExitCode == 0, delta.ToString());
        var snapshot = await UserMaildir.Open(scratch["mail"], "alice@esp.sn").Inbox.SynchronizeAsync();
        Assert.Equal(2, snapshot.Messages.Count);
        Assert.Equal(MaildirFlags.Seen, snapshot.Messages[0].Flags);
        Assert.Matches(@"total\s+1\s+1\s+0\s+1", delta.Output);
    }

    [Fact]
    public async Task A_run_after_facteur_gave_a_uid_of_its_own_keeps_facteurs_uids_and_gives_the_old_servers_new_mail_new_ones()
    {
        using var scratch = new Scratch();
        var host = new FakeHost(scratch["old"]);
        host.AddUsers(("alice", 1000, "pw"));
        var maildir = host["home/alice/Maildir"];
        MaildirFixture.Put(maildir, "1.M1P1.old,S=9:2,S", "a\n\nfirst\n"u8.ToArray(), Day);
        File.WriteAllText(Path.Combine(maildir, "dovecot-uidlist"), "3 V1700000000 N2\n1 :1.M1P1.old,S=9\n");
        string[] args = ["migrate", "from-host", "--domain", "esp.sn", "--users", "alice", "--root", host.Root, "--mail-root", scratch["mail"], "--accounts", scratch["accounts"], "--aliases", scratch["aliases"]];
        Assert.Equal(0, Cli.Facteur(scratch.Path, args).ExitCode);

        // After the switch: Facteur delivered a message and gave it UID 2; the old server, still delivering, too.
        var inbox = UserMaildir.Open(scratch["mail"], "alice@esp.sn").Inbox;
        MaildirFixture.Put(inbox.Path, "2.M2P2.facteur,S=9", "b\n\nfacteur\n"u8.ToArray(), Day.AddDays(1));
        Assert.Equal([1u, 2u], (await inbox.SynchronizeAsync()).Messages.Select(m => m.Uid));
        MaildirFixture.Put(maildir, "3.M3P1.old,S=9:2,", "c\n\nold one\n"u8.ToArray(), Day.AddDays(1));
        File.WriteAllText(Path.Combine(maildir, "dovecot-uidlist"), "3 V1700000000 N3\n1 :1.M1P1.old,S=9\n2 :3.M3P1.old,S=9\n");
        var late = Cli.Facteur(scratch.Path, args);

        Assert.True(late.ExitCode == 0, late.ToString());
        Assert.Contains("UID 2 names another message in Facteur", late.Output, StringComparison.Ordinal);
        var messages = (await inbox.SynchronizeAsync()).Messages;
        Assert.Equal([(1u, "1.M1P1.old,S=9"), (2u, "2.M2P2.facteur,S=9"), (3u, "3.M3P1.old,S=9")], messages.Select(m => (m.Uid, m.Key)));
    }

    [Fact]
    public void Neither_users_nor_all_users_is_refused()
    {
        using var scratch = new Scratch();
        var run = Cli.Facteur(scratch.Path, "migrate", "from-host", "--domain", "esp.sn", "--root", scratch.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--all-users", run.Error, StringComparison.Ordinal);
    }
}
