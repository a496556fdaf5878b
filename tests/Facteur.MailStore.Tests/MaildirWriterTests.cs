using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Facteur.MailStore.Tests;

public sealed class MaildirWriterTests : IDisposable
{
    private static readonly DateTimeOffset Received = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
    private const string Body = "Received: from client by mx.esp.sn with ESMTP id Q1\r\nSubject: hi\r\n\r\nline one\r\nbare lf\nend\r\n";

    private readonly TempMailRoot root = new();
    private readonly MaildirWriter writer;

    public MaildirWriterTests() => writer = new MaildirWriter(root.Path, "mx.esp.sn");

    public void Dispose() => root.Dispose();

    private static MaildirCopy Copy(string queueId = "Q1", string mailbox = "alice@esp.sn", string? folder = null, string sender = "bob@example.org", bool redelivery = false) => new()
    {
        QueueId = queueId,
        Mailbox = mailbox,
        Folder = folder,
        ReceivedAt = Received,
        ReversePath = sender,
        MayBeRedelivery = redelivery,
    };

    private static MemoryStream Content(string text = Body) => new(Encoding.UTF8.GetBytes(text));

    private string Inbox(string sub, string mailbox = "esp.sn/alice") => Path.Combine(root.Path, mailbox, sub);

    [Fact]
    public async Task Delivery_lands_in_new_with_S_and_W_matching_the_file_on_disk()
    {
        var result = await writer.DeliverAsync(Copy(), Content());

        Assert.False(result.AlreadyPresent);
        Assert.Equal(Path.Combine(Inbox("new"), result.FileName), result.Path);
        var bytes = await File.ReadAllBytesAsync(result.Path);
        var bareLf = bytes.Where((b, i) => b == '\n' && (i == 0 || bytes[i - 1] != '\r')).Count();
        var match = Regex.Match(result.FileName, @",S=(\d+),W=(\d+)$");
        Assert.True(match.Success, result.FileName);
        Assert.Equal(bytes.Length, long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(bytes.Length + bareLf, long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, bareLf);
        Assert.Equal(bytes.Length, result.Size);
    }

    [Fact]
    public async Task Return_path_and_delivered_to_come_first_and_the_message_follows_byte_for_byte()
    {
        var result = await writer.DeliverAsync(Copy(mailbox: "alice@ESP.sn"), Content());

        var text = await File.ReadAllTextAsync(result.Path);
        Assert.Equal("Return-Path: <bob@example.org>\r\nDelivered-To: alice@esp.sn\r\n" + Body, text);
    }

    [Fact]
    public async Task Null_sender_gets_an_empty_return_path()
    {
        var result = await writer.DeliverAsync(Copy(sender: ""), Content());
        Assert.StartsWith("Return-Path: <>\r\n", await File.ReadAllTextAsync(result.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sender_with_a_line_break_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => writer.DeliverAsync(Copy(sender: "a@b\r\nX-Evil: 1"), Content()));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Maildir_is_created_on_demand_private_and_tmp_is_left_empty()
    {
        await writer.DeliverAsync(Copy(), Content());

        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Assert.True(Directory.Exists(Inbox(sub)), sub);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Inbox(sub)));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(Inbox("tmp")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Inbox("cur")));
        var file = Assert.Single(Directory.GetFiles(Inbox("new")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task The_new_directory_is_fsynced_after_the_rename()
    {
        var synced = new List<string>();
        writer.DirectorySynced = synced.Add;

        var result = await writer.DeliverAsync(Copy(), Content());

        Assert.Equal(Inbox("new"), synced[^1]);
        Assert.True(File.Exists(result.Path));
    }

    [Fact]
    public void Directory_fsync_works_on_a_directory_and_reports_a_missing_one()
    {
        DirectorySync.Fsync(root.Path);
        Assert.Throws<IOException>(() => DirectorySync.Fsync(Path.Combine(root.Path, "missing")));
    }

    [Fact]
    public async Task A_redelivery_finds_the_copy_in_new_and_writes_nothing()
    {
        var first = await writer.DeliverAsync(Copy(), Content());
        var second = await writer.DeliverAsync(Copy(redelivery: true), Content());

        Assert.True(second.AlreadyPresent);
        Assert.Equal(first.FileName, second.FileName);
        Assert.Single(Directory.GetFiles(Inbox("new")));
        Assert.Empty(Directory.GetFiles(Inbox("tmp")));
    }

    [Fact]
    public async Task A_redelivery_removes_the_tmp_file_an_attempt_killed_before_its_rename_left()
    {
        // What a SIGKILL between open and rename leaves: a partial tmp file named for this copy
        // (another process id), beside a tmp file of a different message that must stay.
        var first = await writer.DeliverAsync(Copy(), Content());
        var baseName = first.FileName[..first.FileName.IndexOf(",S=", StringComparison.Ordinal)];
        Directory.Delete(Inbox("new"), recursive: true);
        Directory.CreateDirectory(Inbox("new"));
        var abandoned = Path.Combine(Inbox("tmp"), $"{baseName}.99999.1");
        var other = Path.Combine(Inbox("tmp"), $"{baseName}9.99999.2");
        await File.WriteAllTextAsync(abandoned, "Return-Path: <bob@example.org>\r\nSubj");
        await File.WriteAllTextAsync(other, "someone else's");

        var again = await writer.DeliverAsync(Copy(redelivery: true), Content());

        Assert.False(again.AlreadyPresent);
        Assert.Single(Directory.GetFiles(Inbox("new")));
        Assert.Equal([other], Directory.GetFiles(Inbox("tmp")));

        // Found already delivered (the rename had happened): the leftover goes too.
        await File.WriteAllTextAsync(abandoned, "partial");
        var found = await writer.DeliverAsync(Copy(redelivery: true), Content());
        Assert.True(found.AlreadyPresent);
        Assert.Equal([other], Directory.GetFiles(Inbox("tmp")));
        Assert.Equal(0, writer.RemoveAbandonedTmp(Copy()));
    }

    [Fact]
    public async Task A_second_delivery_without_the_redelivery_hint_still_yields_one_file_in_new()
    {
        await writer.DeliverAsync(Copy(), Content());
        var second = await writer.DeliverAsync(Copy(), Content());

        Assert.True(second.AlreadyPresent);
        Assert.Single(Directory.GetFiles(Inbox("new")));
        Assert.Empty(Directory.GetFiles(Inbox("tmp")));
    }

    [Fact]
    public async Task A_redelivery_finds_the_copy_an_imap_client_moved_to_cur()
    {
        var first = await writer.DeliverAsync(Copy(), Content());
        var seen = Path.Combine(Inbox("cur"), first.FileName + ":2,S");
        File.Move(first.Path, seen);

        var second = await writer.DeliverAsync(Copy(redelivery: true), Content());

        Assert.True(second.AlreadyPresent);
        Assert.Equal(seen, second.Path);
        Assert.Empty(Directory.GetFiles(Inbox("new")));
        Assert.Single(Directory.GetFiles(Inbox("cur")));
        Assert.Equal(second.Path, writer.FindExisting(Copy())?.Path);
    }

    [Fact]
    public async Task Folder_delivery_goes_into_the_maildirplusplus_folder()
    {
        var result = await writer.DeliverAsync(Copy(folder: "Work.Projects"), Content());

        var folder = Path.Combine(root.Path, "esp.sn", "alice", ".Work.Projects");
        Assert.Equal(Path.Combine(folder, "new", result.FileName), result.Path);
        Assert.True(File.Exists(Path.Combine(folder, "maildirfolder")));
        Assert.True(Directory.Exists(Inbox("cur")), "the mailbox root is a Maildir too");
    }

    [Theory]
    [InlineData("../etc@esp.sn", null)]
    [InlineData("..@esp.sn", null)]
    [InlineData("a/b@esp.sn", null)]
    [InlineData("a\0b@esp.sn", null)]
    [InlineData("a\nb@esp.sn", null)]
    [InlineData(".hidden@esp.sn", null)]
    [InlineData("alice@../esp.sn", null)]
    [InlineData("alice@esp.sn/..", null)]
    [InlineData("alice@..", null)]
    [InlineData("alice", null)]
    [InlineData("alice@esp.sn", "../x")]
    [InlineData("alice@esp.sn", "a/b")]
    [InlineData("alice@esp.sn", "a..b")]
    [InlineData("alice@esp.sn", ".Trash")]
    [InlineData("alice@esp.sn", "Trash.")]
    [InlineData("alice@esp.sn", "a\0b")]
    [InlineData("alice@esp.sn", "a\u0007b")]
    [InlineData("alice@esp.sn", "")]
    public async Task Path_tricks_in_user_domain_or_folder_are_refused_and_nothing_is_written(string mailbox, string? folder)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => writer.DeliverAsync(Copy(mailbox: mailbox, folder: folder), Content()));
        Assert.Empty(Directory.EnumerateFiles(root.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Concurrent_deliveries_of_different_messages_to_one_mailbox_make_distinct_files()
    {
        const int count = 40;
        var names = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var result = await writer.DeliverAsync(Copy(queueId: "Q" + i), Content($"Subject: {i}\r\n\r\nbody {i}\r\n"), ct);
            names.Add(result.FileName);
        });

        Assert.Equal(count, names.Distinct().Count());
        var files = Directory.GetFiles(Inbox("new"));
        Assert.Equal(count, files.Length);
        Assert.Empty(Directory.GetFiles(Inbox("tmp")));
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file);
            var n = Regex.Match(text, @"Subject: (\d+)").Groups[1].Value;
            Assert.EndsWith($"body {n}\r\n", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Concurrent_deliveries_of_the_same_message_leave_exactly_one_file()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await writer.DeliverAsync(Copy(redelivery: i % 2 == 0), Content(), ct));

        Assert.Single(Directory.GetFiles(Inbox("new")));
        Assert.Empty(Directory.GetFiles(Inbox("tmp")));
    }

    [Fact]
    public async Task A_large_message_streams_from_a_non_seekable_source_intact()
    {
        var payload = new byte[3 * 1024 * 1024 + 17];
        new Random(42).NextBytes(payload);
        await using var source = new ForwardOnlyStream(new MemoryStream(payload));

        var result = await writer.DeliverAsync(Copy(), source);

        var bytes = await File.ReadAllBytesAsync(result.Path);
        var headerLength = Encoding.ASCII.GetByteCount("Return-Path: <bob@example.org>\r\nDelivered-To: alice@esp.sn\r\n");
        Assert.True(bytes.AsSpan(headerLength).SequenceEqual(payload));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7919)]
    [InlineData(1 << 20)]
    public async Task A_message_larger_than_one_write_is_copied_exactly_with_S_and_W_however_the_source_splits_its_reads(int readSize)
    {
        // About 200 KB (three writes of the writer's block), CRLF and bare-LF lines, a CR or LF
        // falling on every kind of read and write boundary.
        var text = new StringBuilder("Subject: big\r\n\r\n");
        for (var i = 0; text.Length < 200_000; i++)
        {
            text.Append("line ").Append(i).Append(i % 3 == 0 ? "\n" : "\r\n");
        }

        var payload = Encoding.ASCII.GetBytes(text.ToString());
        await using var source = new ForwardOnlyStream(new MemoryStream(payload), readSize: readSize);

        var result = await writer.DeliverAsync(Copy(), source);

        var bytes = await File.ReadAllBytesAsync(result.Path);
        var headers = Encoding.ASCII.GetBytes("Return-Path: <bob@example.org>\r\nDelivered-To: alice@esp.sn\r\n");
        Assert.True(bytes.AsSpan(0, headers.Length).SequenceEqual(headers));
        Assert.True(bytes.AsSpan(headers.Length).SequenceEqual(payload));
        var bareLf = bytes.Where((b, i) => b == '\n' && (i == 0 || bytes[i - 1] != '\r')).Count();
        Assert.True(bareLf > 1000);
        Assert.EndsWith($",S={bytes.Length},W={bytes.Length + bareLf}", result.FileName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_source_leaves_no_file_behind()
    {
        await using var source = new ForwardOnlyStream(new MemoryStream(new byte[100]), failAfter: 50);

        await Assert.ThrowsAsync<IOException>(() => writer.DeliverAsync(Copy(), source));

        Assert.Empty(Directory.GetFiles(Inbox("tmp")));
        Assert.Empty(Directory.GetFiles(Inbox("new")));
    }

    private sealed class ForwardOnlyStream(Stream inner, int failAfter = -1, int readSize = 7919) : Stream
    {
        private int read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (failAfter >= 0 && read >= failAfter)
            {
                throw new IOException("source broke");
            }

            var n = inner.Read(buffer, offset, failAfter >= 0 ? Math.Min(count, failAfter - read) : Math.Min(count, readSize));
            read += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
