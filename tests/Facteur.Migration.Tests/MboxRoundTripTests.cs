using System.Text;
using Facteur.Cli.Mbox;
using Facteur.MailStore.Folders;

namespace Facteur.Migration.Tests;

public sealed class MboxRoundTripTests
{
    private static readonly DateTime Day = new(2025, 3, 14, 9, 26, 53, DateTimeKind.Utc);

    [Fact]
    public async Task Export_then_import_into_a_new_folder_gives_byte_identical_messages_with_the_same_flags_keywords_and_dates()
    {
        using var scratch = new Scratch();
        var mailRoot = scratch["mail"];
        var inbox = UserMaildir.Open(mailRoot, "alice@esp.sn").Inbox;
        var messages = new (string Name, string Text)[]
        {
            ("1700000001.M1P1.old,S=10:2,S", "Return-Path: <bob@example.org>\nSubject: plain\n\nhello\n"),
            ("1700000002.M2P1.old:2,FRa", "Subject: crlf\r\n\r\nline one\r\nFrom the start\r\n>From quoted\r\n>>From twice\r\n"),
            ("1700000003.M3P1.old:2,PSb", "Subject: 8bit\nContent-Type: text/plain; charset=iso-8859-1\n\nd\xe9j\xe0 vu, na\xefve \xff\n\nFrom me to you\n"),
            ("1700000004.M4P1.old", "Subject: unseen, in new/\n\nFrom: not a header here\nFrom \n"),
            ("1700000005.M5P1.old:2,DT", "Subject: draft deleted\n\n\n\nblank lines at the end\n\n\n"),
            ("1700000006.M6P1.old:2,", "Subject: seen by a client, no flags\n\nbody\n"),
        };
        for (var i = 0; i < messages.Length; i++)
        {
            MaildirFixture.Put(inbox.Path, messages[i].Name, Encoding.Latin1.GetBytes(messages[i].Text), Day.AddHours(i));
        }

        File.WriteAllText(Path.Combine(inbox.Path, DovecotKeywords.FileName), "0 $Label1\n1 Important\n");

        var export = Cli.Facteur(scratch.Path, "mbox", "export", "alice@esp.sn", "--mail-root", mailRoot, "--output", "alice.mbox");
        Assert.True(export.ExitCode == 0, export.ToString());
        var import = Cli.Facteur(scratch.Path, "mbox", "import", "alice@esp.sn", "alice.mbox", "--folder", "Archive", "--mail-root", mailRoot);
        Assert.True(import.ExitCode == 0, import.ToString());

        var before = await MaildirFixture.ViewAsync(inbox);
        var after = await MaildirFixture.ViewAsync(UserMaildir.Open(mailRoot, "alice@esp.sn").Folder("Archive"));
        Assert.Equal(messages.Length, before.Count);
        Assert.Equal(before, after);
        Assert.Contains("Archive", File.ReadAllLines(Path.Combine(mailRoot, "esp.sn", "alice", "subscriptions")));
    }

    [Fact]
    public void Export_quotes_from_lines_mboxrd_style_and_writes_flags_in_status_headers()
    {
        using var scratch = new Scratch();
        var mailRoot = scratch["mail"];
        var inbox = UserMaildir.Open(mailRoot, "alice@esp.sn").Inbox;
        MaildirFixture.Put(inbox.Path, "1700000001.M1P1.old:2,FPRS", "Return-Path: <bob@example.org>\nSubject: x\n\nFrom here\n>From there\n"u8.ToArray(), Day);

        var export = Cli.Facteur(scratch.Path, "mbox", "export", "alice@esp.sn", "--mail-root", mailRoot, "-o", "out.mbox");

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(
            "From bob@example.org Fri Mar 14 09:26:53 2025\nReturn-Path: <bob@example.org>\nSubject: x\nStatus: RO\nX-Status: AF\nX-Keywords: $Forwarded\n\n>From here\n>>From there\n\n",
            File.ReadAllText(scratch["out.mbox"]));
    }

    [Fact]
    public void Importing_the_same_mbox_twice_adds_nothing_the_second_time()
    {
        using var scratch = new Scratch();
        var mbox = scratch["in.mbox"];
        File.WriteAllText(mbox, "From a@b Mon Jan  6 10:00:00 2025\nSubject: one\n\nbody\n\nFrom a@b Mon Jan  6 10:00:00 2025\nSubject: one\n\nbody\n\nFrom c@d Tue Jan  7 11:00:00 2025\nSubject: two\n\nbody\n");

        var first = Cli.Facteur(scratch.Path, "mbox", "import", "bob@esp.sn", mbox, "--mail-root", scratch["mail"]);
        var second = Cli.Facteur(scratch.Path, "mbox", "import", "bob@esp.sn", mbox, "--mail-root", scratch["mail"]);

        Assert.Contains("imported 3 messages", first.Output, StringComparison.Ordinal);
        Assert.Contains("imported 0 messages", second.Output, StringComparison.Ordinal);
        Assert.Contains("3 already there", second.Output, StringComparison.Ordinal);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(scratch["mail"], "esp.sn", "bob", "new")).Length);
    }
}
