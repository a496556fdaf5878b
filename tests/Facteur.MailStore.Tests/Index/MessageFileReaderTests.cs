using System.Text;
using Facteur.MailStore.Index;

namespace Facteur.MailStore.Tests.Index;

public sealed class MessageFileReaderTests
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

        using var reader = inbox.OpenFileReader();
        var header = reader.ReadHeader(message);

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

        using (var reader = inbox.OpenFileReader())
        {
            Assert.Contains("Subject: first\r\n", Encoding.ASCII.GetString(reader.ReadHeader(first)!), StringComparison.Ordinal);
            Assert.Null(reader.ReadHeader(second));
        }

        using (var reader = inbox.OpenFileReader())
        {
            // The first file by its full path, then by its key; the second through the directory's descriptor.
            Assert.Equal(IndexTestMaildir.Message("first"), Encoding.ASCII.GetString(reader.ReadMessage(first)!));
            Assert.Null(reader.ReadMessage(second));
        }
    }

    [Fact]
    public void OpenRead_gives_a_handle_that_reads_at_any_offset_and_null_for_a_file_that_is_not_there()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("for pop3"));
        var path = maildir.Files().Single();
        var content = File.ReadAllBytes(path);

        using (var file = MessageFileReader.OpenRead(path))
        {
            Assert.NotNull(file);
            var tail = new byte[5];
            Assert.Equal(5, MessageFileReader.ReadAt(file, tail, content.Length - 5)); // pread at an offset, as RETR's chunks do
            Assert.Equal(content[^5..], tail);
            var whole = new byte[content.Length + 10];
            Assert.Equal(content.Length, MessageFileReader.ReadAt(file, whole, 0));
            Assert.Equal(content, whole[..content.Length]);
            Assert.Equal(0, MessageFileReader.ReadAt(file, whole, content.Length)); // the end: what ends RETR's loop
            Assert.Equal(content.Length, RandomAccess.Read(file, whole, 0)); // still an ordinary handle
        }

        var closed = MessageFileReader.OpenRead(path)!;
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => MessageFileReader.ReadAt(closed, new byte[8], 0)); // never a pread on a reused number

        Assert.Null(MessageFileReader.OpenRead(path + ":2,S")); // renamed (ENOENT): the caller looks it up again
        Assert.Null(MessageFileReader.OpenRead(Path.Combine(path, "below-a-file"))); // ENOTDIR
        File.Delete(path);
        Assert.Null(MessageFileReader.OpenRead(path)); // expunged
    }

    [Fact]
    public async Task A_message_delivered_to_new_is_read_wherever_the_sync_left_it()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("fresh"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var message = inbox.State.Messages[0];

        using var reader = inbox.OpenFileReader();

        Assert.Contains("Subject: fresh\r\n", Encoding.ASCII.GetString(reader.ReadHeader(message)!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40)] // one read
    [InlineData(3_000)] // past the 64 KiB first block: the rest read into an array of the file's size
    public async Task Reads_a_whole_message_as_crlf_and_learns_its_size_and_date_from_that_read(int lines)
    {
        using var maildir = new IndexTestMaildir();
        var when = new DateTime(2022, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        var content = "Subject: whole\nTo: b\n\n" + string.Concat(Enumerable.Repeat("a bare lf line of the body, long enough\n", lines))
            + "one crlf line\r\nno line end at all";
        maildir.Deliver(content, mtime: when);
        maildir.Deliver(IndexTestMaildir.Message("second")); // so the reader's second file goes through the directory's descriptor
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var (message, second) = (inbox.State.Messages[0], inbox.State.Messages[1]);
        var expected = content.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

        byte[]? whole, other;
        using (var reader = inbox.OpenFileReader())
        {
            whole = reader.ReadMessage(message);
            other = reader.ReadMessage(second);
        }

        Assert.Equal(expected, Encoding.ASCII.GetString(whole!));
        Assert.Equal(IndexTestMaildir.Message("second"), Encoding.ASCII.GetString(other!));
        File.Delete(maildir.Files().Single(f => Path.GetFileName(f).StartsWith(message.Key, StringComparison.Ordinal)));
        Assert.Equal(expected.Length, message.Size); // learnt from the read, not read again
        Assert.Equal(new DateTimeOffset(when), message.InternalDate);
    }

    [Fact]
    public async Task The_portable_whole_read_gives_the_same_octets_and_facts()
    {
        using var maildir = new IndexTestMaildir();
        const string content = "Subject: p\n\nbody\nmore\r\n";
        maildir.Deliver(content);
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var message = inbox.State.Messages[0];

        var whole = inbox.ReadMessage(message);

        Assert.Equal("Subject: p\r\n\r\nbody\r\nmore\r\n", Encoding.ASCII.GetString(whole!));
        File.Delete(maildir.Files().Single());
        Assert.Equal(whole!.Length, message.Size);
        Assert.Null(inbox.ReadMessage(message));
    }
}
