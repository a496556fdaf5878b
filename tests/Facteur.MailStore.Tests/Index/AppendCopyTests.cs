using System.Text;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

public sealed class AppendCopyTests
{
    [Fact]
    public async Task A_uid_the_index_kept_but_a_crash_took_from_the_uidlist_is_not_given_again()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("one"));
        maildir.Deliver(IndexTestMaildir.Message("two"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var appended = await inbox.AppendAsync(new MemoryStream(Encoding.UTF8.GetBytes("Subject: three\r\n\r\nx\r\n")), new AppendRequest(MessageFlags.None, []));
        Assert.Equal(3u, appended.Uid);

        // The list's append and the index's entry are fsynced side by side: a crash between them can leave the
        // entry without the record, and the rename not yet durable either — the file is gone, UID 3 only in the index.
        var uidListPath = Path.Combine(maildir.UserPath, "dovecot-uidlist");
        var lines = await File.ReadAllLinesAsync(uidListPath);
        Assert.StartsWith("3 ", lines[^1], StringComparison.Ordinal);
        await File.WriteAllTextAsync(uidListPath, string.Join('\n', lines[..^1]) + "\n");
        File.Delete(Path.Combine(maildir.UserPath, "cur", inbox.State.FindByUid(3)!.FileName));

        // The next process takes the index's highest UID as a floor: UIDNEXT 4, and the next message gets 4.
        var restarted = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal([1u, 2u], restarted.State.Messages.Select(m => m.Uid));
        Assert.Equal(4u, restarted.State.UidNext);
        var next = await restarted.AppendAsync(new MemoryStream(Encoding.UTF8.GetBytes("Subject: four\r\n\r\ny\r\n")), new AppendRequest(MessageFlags.None, []));
        Assert.Equal(4u, next.Uid);
        maildir.Deliver(IndexTestMaildir.Message("five"));
        Assert.Equal([1u, 2u, 4u, 5u], (await restarted.SyncAsync()).Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task Append_stores_into_cur_with_flags_keywords_and_internal_date_and_returns_the_uid()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("existing"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var date = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));
        var content = "Subject: appended\n\nline\n";

        var result = await inbox.AppendAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)),
            new AppendRequest(MessageFlags.Seen | MessageFlags.Draft, ["Todo"], date));

        Assert.Equal(inbox.State.UidValidity, result.UidValidity);
        Assert.Equal(2u, result.Uid);
        var record = inbox.State.FindByUid(2)!;
        Assert.Equal(MessageFlags.Seen | MessageFlags.Draft, record.Flags);
        Assert.Equal(["Todo"], record.Keywords);
        Assert.Equal(date, record.InternalDate);
        Assert.Equal(content.Replace("\n", "\r\n", StringComparison.Ordinal).Length, record.Size);
        var file = Path.Combine(maildir.UserPath, "cur", record.FileName);
        Assert.Equal(content, await File.ReadAllTextAsync(file));
        Assert.Equal(date.UtcDateTime, File.GetLastWriteTimeUtc(file));
        Assert.Contains(",W=" + record.Size, record.FileName, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir.UserPath, "tmp")));

        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var seen = other.State.FindByUid(2)!;
        Assert.Equal((record.FileName, record.Flags, record.Size, record.InternalDate, record.ModSeq), (seen.FileName, seen.Flags, seen.Size, seen.InternalDate, seen.ModSeq));
        Assert.Equal(record.Keywords, seen.Keywords);
    }

    [Fact]
    public async Task Concurrent_appends_from_two_replicas_get_unique_increasing_uids()
    {
        using var maildir = new IndexTestMaildir();
        var one = await maildir.Store.OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var two = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            (i % 2 == 0 ? one : two).AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message($"m{i}"))), new AppendRequest()))));

        var uids = results.Select(r => r.Uid).ToList();
        Assert.Equal(40, uids.Distinct().Count());
        var state = await one.SyncAsync();
        Assert.Equal(uids.Order(), state.Messages.Select(m => m.Uid));
        Assert.Equal(41u, state.UidNext);
        Assert.Equal(state.Messages.Select(m => m.Uid), (await two.SyncAsync()).Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task Copy_returns_the_uid_mapping_and_keeps_flags_keywords_and_dates()
    {
        using var maildir = new IndexTestMaildir();
        var when = new DateTime(2023, 3, 3, 3, 3, 3, DateTimeKind.Utc);
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "S", mtime: when);
        maildir.Deliver(IndexTestMaildir.Message("b"), info: "F", mtime: when);
        var mailbox = maildir.Mailbox;
        await mailbox.CreateFolderAsync("Archive");
        var inbox = await mailbox.OpenFolderAsync("INBOX");
        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.None, ["Project"]));
        var archive = await mailbox.OpenFolderAsync("Archive");

        var result = await inbox.CopyAsync([2u, 1u, 99u], archive);

        Assert.Equal([1u, 2u], result.SourceUids);
        Assert.Equal([1u, 2u], result.TargetUids);
        Assert.Equal(archive.State.UidValidity, result.TargetUidValidity);
        Assert.Equal([MessageFlags.Seen, MessageFlags.Flagged], archive.State.Messages.Select(m => m.Flags));
        Assert.Equal(["Project"], archive.State.Messages[1].Keywords);
        Assert.All(archive.State.Messages, m => Assert.Equal(new DateTimeOffset(when), m.InternalDate));
        Assert.Equal(2, inbox.State.Count);
        Assert.Equal(inbox.State.Messages.Select(m => m.Size), archive.State.Messages.Select(m => m.Size));
    }

    [Fact]
    public async Task Move_copies_then_expunges_the_source()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        maildir.Deliver(IndexTestMaildir.Message("b"));
        var mailbox = maildir.Mailbox;
        await mailbox.CreateFolderAsync("Trash");
        var inbox = await mailbox.OpenFolderAsync("INBOX");
        var trash = await mailbox.OpenFolderAsync("Trash");
        var before = inbox.State.HighestModSeq;

        var result = await inbox.MoveAsync([1u], trash);

        Assert.Equal([1u], result.TargetUids);
        Assert.Equal([2u], inbox.State.Messages.Select(m => m.Uid));
        Assert.Equal([1u], inbox.ExpungedSince(before));
        Assert.Single(trash.State.Messages);
    }

    [Fact]
    public async Task Append_over_quota_is_refused_and_leaves_nothing_behind()
    {
        using var maildir = new IndexTestMaildir(quotaBytes: 1000);
        maildir.Deliver(new string('a', 600));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        var error = await Assert.ThrowsAsync<MailStoreException>(() =>
            inbox.AppendAsync(new MemoryStream(new byte[500]), new AppendRequest()));

        Assert.Equal(MailStoreError.OverQuota, error.Error);
        Assert.Single(maildir.Files());
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir.UserPath, "tmp")));
        var quota = await maildir.Store.GetQuotaAsync(IndexTestMaildir.User);
        Assert.Equal(600, quota.UsedBytes);
        Assert.Equal(1000, quota.LimitBytes);
        Assert.True(await maildir.Store.HasRoomAsync(IndexTestMaildir.User, 400));
        Assert.False(await maildir.Store.HasRoomAsync(IndexTestMaildir.User, 401));
    }

    [Fact]
    public async Task Quota_usage_sums_all_folders()
    {
        using var maildir = new IndexTestMaildir(quotaBytes: 10_000);
        maildir.Deliver(new string('a', 100));
        maildir.Deliver(new string('b', 200), folderDirectory: ".Work");
        await File.WriteAllTextAsync(Path.Combine(maildir.UserPath, ".Work", "maildirfolder"), string.Empty);
        Directory.CreateDirectory(Path.Combine(maildir.UserPath, ".Work", "cur"));

        var quota = await maildir.Store.GetQuotaAsync(IndexTestMaildir.User);

        Assert.Equal(300, quota.UsedBytes);
        Assert.Equal(2, quota.MessageCount);
    }
}
