using System.Text;

namespace Facteur.MailStore.Tests.Index;

public sealed class MessageHeaderReaderTests
{
    [Fact]
    public async Task Reads_the_header_and_fills_the_size_and_date_not_read_yet_from_the_same_reads()
    {
        using var maildir = new IndexTestMaildir();
        var when = new DateTime(2023, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        const string content = "Subject: a\nTo: b\n\nbare lf body\nline two\n";
        maildir.Deliver(content, mtime: when); // no W= in the name: size and date are "?" until first use
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var message = inbox.State.Messages[0];

        using var reader = inbox.OpenHeaderReader();
        var header = reader.Read(message);

        Assert.Equal("Subject: a\r\nTo: b\r\n\r\n", Encoding.ASCII.GetString(header!));
        // The file is gone now: what the record reports was learnt from the header read, not read again.
        File.Delete(maildir.Files().Single());
        Assert.Equal(content.Replace("\n", "\r\n", StringComparison.Ordinal).Length, message.Size);
        Assert.Equal(new DateTimeOffset(when), message.InternalDate);
    }

    [Fact]
    public async Task A_file_renamed_by_another_program_is_found_by_its_key_and_a_deleted_one_reads_as_gone()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("first"), info: "");
        maildir.Deliver(IndexTestMaildir.Message("second"), info: "");
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var (first, second) = (inbox.State.Messages[0], inbox.State.Messages[1]);
        var firstPath = maildir.Files().Single(f => Path.GetFileName(f).StartsWith(first.Key, StringComparison.Ordinal));
        File.Move(firstPath, Path.Combine(Path.GetDirectoryName(firstPath)!, first.Key + ":2,FS")); // as another IMAP server flags it
        File.Delete(maildir.Files().Single(f => Path.GetFileName(f).StartsWith(second.Key, StringComparison.Ordinal)));

        using var reader = inbox.OpenHeaderReader();

        Assert.Contains("Subject: first\r\n", Encoding.ASCII.GetString(reader.Read(first)!), StringComparison.Ordinal);
        Assert.Null(reader.Read(second));
    }

    [Fact]
    public async Task A_message_delivered_to_new_is_read_wherever_the_sync_left_it()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("fresh"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var message = inbox.State.Messages[0];

        using var reader = inbox.OpenHeaderReader();

        Assert.Contains("Subject: fresh\r\n", Encoding.ASCII.GetString(reader.Read(message)!), StringComparison.Ordinal);
    }
}
