using System.Text;
using Facteur.Cli.Mbox;
using Facteur.MailStore.Folders;

namespace Facteur.Migration.Tests;

public sealed class HostileMboxTests
{
    [Fact]
    public async Task Unquoted_from_lines_crlf_8bit_and_a_missing_final_newline_import_as_written()
    {
        using var scratch = new Scratch();
        var mbox = new MemoryStream();
        void Put(string text) => mbox.Write(Encoding.Latin1.GetBytes(text));
        // 1: an mboxo body line "From " right after text (no blank line before): not a separator.
        Put("From alice@esp.sn Sat Feb  1 08:00:00 2025\nSubject: one\n\nhi\nFrom the desk of Bob\n\n");
        // 2: CRLF message; a blank line then "From " without a date: not a separator either.
        Put("From bob@esp.sn Sat Feb  1 09:00:00 2025\r\nSubject: two\r\n\r\nfirst\r\n\r\nFrom here to there\r\n\r\n");
        // 3: 8-bit body, quoted From lines, status headers, and no newline at the very end.
        Put("From MAILER-DAEMON Sun Feb  2 10:11:12 2025 +0100\nSubject: three\nStatus: RO\nX-Status: AF\nX-Keywords: Work $Forwarded\n\n\xe9t\xe9\n>From x\n>>From y\nlast line without newline");

        var folder = UserMaildir.Open(scratch["mail"], "bob@esp.sn").Folder("Archive");
        mbox.Position = 0;
        var result = await new MboxImport(folder).ImportAsync(mbox, CancellationToken.None);

        Assert.Equal(3, result.Imported);
        var snapshot = await folder.SynchronizeAsync();
        var bodies = snapshot.Messages.Select(m => Encoding.Latin1.GetString(File.ReadAllBytes(folder.FullPath(m)))).ToList();
        Assert.Equal(
            [
                "Subject: one\n\nhi\nFrom the desk of Bob\n",
                "Subject: two\r\n\r\nfirst\r\n\r\nFrom here to there\r\n",
                "Subject: three\n\n\xe9t\xe9\nFrom x\n>From y\nlast line without newline",
            ],
            bodies);
        var third = snapshot.Messages[2];
        Assert.Equal(MaildirFlags.Seen | MaildirFlags.Replied | MaildirFlags.Flagged | MaildirFlags.Passed, third.Flags);
        Assert.Equal(["Work"], DovecotKeywords.Read(folder.Path).NamesOf(third.Keywords));
        Assert.Equal(new DateTime(2025, 2, 2, 9, 11, 12, DateTimeKind.Utc), File.GetLastWriteTimeUtc(folder.FullPath(third)));
        Assert.True(snapshot.Messages[0].IsNew); // no Status: O — no client had seen it
    }

    [Fact]
    public async Task Dovecot_mbox_uids_from_x_imapbase_and_x_uid_become_the_folder_uidlist()
    {
        using var scratch = new Scratch();
        var text = "From a@b Mon Jan  6 10:00:00 2025\nX-IMAPbase: 1650000000 0000000013 Junk\nX-UID: 7\nStatus: RO\n\none\n\n"
            + "From a@b Mon Jan  6 11:00:00 2025\nX-UID: 12\nStatus: O\nX-Keywords: Junk\n\ntwo\n\n"
            + "From a@b Mon Jan  6 12:00:00 2025\n\nthree, not yet seen by Dovecot\n";
        var folder = UserMaildir.Open(scratch["mail"], "bob@esp.sn").Inbox;

        await new MboxImport(folder).ImportAsync(new MemoryStream(Encoding.ASCII.GetBytes(text)), CancellationToken.None);

        var snapshot = await folder.SynchronizeAsync();
        Assert.Equal(1650000000u, snapshot.UidValidity);
        Assert.Equal([7u, 12u, 13u], snapshot.Messages.Select(m => m.Uid));
        Assert.Equal(14u, snapshot.NextUid);
        Assert.Equal("one\n", File.ReadAllText(folder.FullPath(snapshot.Messages[0]))[1..]); // header section is just the blank line
    }
}
