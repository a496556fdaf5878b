using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

public sealed class FolderSyncTests
{
    [Fact]
    public async Task New_files_get_increasing_uids_and_sizes_counted_as_crlf()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver("Subject: a\n\nbare lf\n");
        maildir.Deliver(IndexTestMaildir.Message("b"));

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var state = inbox.State;

        Assert.Equal(2, state.Count);
        Assert.Equal([1u, 2u], state.Messages.Select(m => m.Uid));
        Assert.Equal(3u, state.UidNext);
        Assert.Equal("Subject: a\r\n\r\nbare lf\r\n".Length, state.Messages[0].Size);
        Assert.True(state.HighestModSeq >= 2);
        Assert.NotEqual(0u, state.UidValidity);
        Assert.Equal(maildir.Mailbox.Path, Path.GetDirectoryName(Path.GetDirectoryName(maildir.Files()[0])));
    }

    [Fact]
    public async Task The_first_sync_opens_no_message_file_size_and_date_are_read_on_first_use()
    {
        using var maildir = new IndexTestMaildir();
        var path = maildir.Deliver("Subject: a\n\nbare lf\n"); // no W= in the name
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        Assert.Contains(" ? ? ", await File.ReadAllTextAsync(Path.Combine(maildir.UserPath, "facteur-index"))); // version 3: not read yet

        // Changed after the sync (never done to a real message): what is reported is what the file holds
        // now, so the sync did not read it (Dovecot indexes from the listing alone too).
        const string later = "Subject: b\n\nlonger body\n";
        await File.WriteAllTextAsync(path, later);
        var when = new DateTime(2023, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, when);
        var message = inbox.State.Messages[0];

        Assert.Equal(later.Replace("\n", "\r\n", StringComparison.Ordinal).Length, message.Size);
        Assert.Equal(new DateTimeOffset(when), message.InternalDate);
    }

    [Fact]
    public async Task Sizes_and_dates_read_on_first_use_reach_the_index_so_no_replica_reads_them_again()
    {
        using var maildir = new IndexTestMaildir();
        var when = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        var path = maildir.Deliver("Subject: a\n\nbare lf\n", mtime: when);
        var crlfSize = "Subject: a\r\n\r\nbare lf\r\n".Length;
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        Assert.Equal(crlfSize, inbox.State.Messages[0].Size);

        await inbox.FlushSummariesAsync(); // what a FETCH learned is written by the delayed flush (PendingFlushDelay), or by the next locked operation
        File.WriteAllText(path, "Subject: other length\n\n\n");
        File.SetLastWriteTimeUtc(path, when.AddDays(1));
        var rebuilt = (await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX")).State.Messages[0];

        Assert.Equal(crlfSize, rebuilt.Size);
        Assert.Equal(new DateTimeOffset(when), rebuilt.InternalDate);
    }

    [Fact]
    public async Task Sizes_the_imap_store_counted_are_what_pop3s_scan_reads_from_its_index()
    {
        using var maildir = new IndexTestMaildir();
        var path = maildir.Deliver("Subject: a\n\nbare lf\n"); // no W= in the name
        var crlfSize = "Subject: a\r\n\r\nbare lf\r\n".Length;
        var pop3 = new Facteur.MailStore.Folders.MaildirFolder(maildir.UserPath);
        Assert.Null(pop3.IndexedVirtualSizes()); // no index yet

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        Assert.Equal(crlfSize, inbox.State.Messages[0].Size); // counted on first use
        await inbox.FlushSummariesAsync(); // what a FETCH learned is written by the delayed flush (PendingFlushDelay), or by the next locked operation

        // The IMAP sync wrote the uidlist record without W, so POP3's scan has no size of its own...
        var message = (await pop3.SynchronizeAsync()).Messages.Single();
        Assert.Null(message.VirtualSize);

        // ...and takes the one in the index: changed under it (never done to a real message) only to
        // prove the file is not read again.
        File.WriteAllText(path, "Subject: other length\n\n\n");
        Assert.Equal(crlfSize, pop3.IndexedVirtualSizes()![message.Key]);
    }

    [Fact]
    public async Task A_name_with_w_gives_the_size_without_reading_the_file()
    {
        using var maildir = new IndexTestMaildir();
        var path = maildir.Deliver("Subject: a\r\n\r\nbody\r\n", info: "S");
        var named = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileName(path).Replace(":2,", ",W=1234:2,", StringComparison.Ordinal));
        File.Move(path, named);

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        Assert.Equal(1234, inbox.State.Messages[0].Size);
        Assert.Contains(" 1234 ? ", await File.ReadAllTextAsync(Path.Combine(maildir.UserPath, "facteur-index")));
    }

    [Fact]
    public async Task Internal_date_is_the_file_mtime()
    {
        using var maildir = new IndexTestMaildir();
        var when = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        maildir.Deliver(IndexTestMaildir.Message("dated"), mtime: when);

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        Assert.Equal(new DateTimeOffset(when), inbox.State.Messages[0].InternalDate);
    }

    [Fact]
    public async Task A_flag_change_made_by_another_program_is_seen_with_a_new_modseq()
    {
        using var maildir = new IndexTestMaildir();
        var path = maildir.Deliver(IndexTestMaildir.Message("x"), info: "");
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var before = inbox.State.Messages[0];

        File.Move(path, path + "FS"); // ":2," + "FS": flagged and seen, as a renaming client would
        var after = (await inbox.SyncAsync()).Messages[0];

        Assert.Equal(before.Uid, after.Uid);
        Assert.Equal(MessageFlags.Flagged | MessageFlags.Seen, after.Flags);
        Assert.True(after.ModSeq > before.ModSeq);
        Assert.Equal(after.ModSeq, inbox.State.HighestModSeq);
    }

    [Fact]
    public async Task A_move_from_new_to_cur_without_flags_keeps_the_modseq()
    {
        using var maildir = new IndexTestMaildir();
        var path = maildir.Deliver(IndexTestMaildir.Message("x"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var before = inbox.State.Messages[0];

        File.Move(path, Path.Combine(maildir.UserPath, "cur", Path.GetFileName(path) + ":2,"));
        var after = (await inbox.SyncAsync()).Messages[0];

        Assert.False(after.IsNew);
        Assert.Equal(before.ModSeq, after.ModSeq);
    }

    [Fact]
    public async Task A_file_removed_by_another_program_becomes_an_expunge_with_its_modseq()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("keep"));
        var gone = maildir.Deliver(IndexTestMaildir.Message("gone"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var modSeqBefore = inbox.State.HighestModSeq;

        File.Delete(gone);
        var state = await inbox.SyncAsync();

        Assert.Equal([1u], state.Messages.Select(m => m.Uid));
        Assert.True(state.HighestModSeq > modSeqBefore);
        Assert.Equal([2u], inbox.ExpungedSince(modSeqBefore));
        Assert.Empty(inbox.ExpungedSince(state.HighestModSeq));
    }

    [Fact]
    public async Task Files_added_later_get_higher_uids_and_uids_are_never_reused()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("1"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        File.Delete(first);
        await inbox.SyncAsync();

        maildir.Deliver(IndexTestMaildir.Message("2"));
        var state = await inbox.SyncAsync();

        Assert.Equal([2u], state.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task Deleting_the_index_rebuilds_it_with_the_same_uidvalidity_uids_and_flags()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "S");
        maildir.Deliver(IndexTestMaildir.Message("b"), info: "F");
        var first = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var before = first.State;

        File.Delete(Path.Combine(maildir.UserPath, "facteur-index"));
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var after = other.State;

        Assert.Equal(before.UidValidity, after.UidValidity);
        Assert.Equal(before.Messages.Select(m => (m.Uid, m.Flags, m.Size, m.InternalDate)), after.Messages.Select(m => (m.Uid, m.Flags, m.Size, m.InternalDate)));
        Assert.True(after.HighestModSeq >= before.HighestModSeq, "mod-sequences never go back");
        Assert.True(File.Exists(Path.Combine(maildir.UserPath, "facteur-index")));
    }

    [Theory]
    [InlineData("garbage\n")]
    [InlineData("")]
    [InlineData("facteur-index 1 V1 H5 G7\n1 2 3\n")]
    [InlineData("facteur-index 1 V1 H1 G7\n1 99 10 0 -1 0 c x:2,S\n")]
    [InlineData("facteur-index 2 V1 H1 G7\n1 99 10 0 -1 0 -1 0 c x:2,S\n")]
    [InlineData("facteur-index 3 V1 H1 G7\n1 99 ? 0 -1 0 -1 0 c\n")]
    public async Task A_corrupt_index_is_rebuilt_from_the_maildir(string content)
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "S");
        var before = (await maildir.Mailbox.OpenFolderAsync("INBOX")).State;

        await File.WriteAllTextAsync(Path.Combine(maildir.UserPath, "facteur-index"), content);
        var after = (await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX")).State;

        Assert.Equal(before.UidValidity, after.UidValidity);
        Assert.Equal([(1u, MessageFlags.Seen)], after.Messages.Select(m => (m.Uid, m.Flags)));
        Assert.StartsWith("facteur-index 3 ", await File.ReadAllTextAsync(Path.Combine(maildir.UserPath, "facteur-index")));
    }

    [Fact]
    public async Task Sync_with_a_current_index_does_not_read_message_files_again()
    {
        using var maildir = new IndexTestMaildir();
        var path = maildir.Deliver("Subject: s\r\n\r\nbody\r\n"); // no W= in the name: the size comes from reading the file
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var first = inbox.State.Messages[0];
        Assert.Equal("Subject: s\r\n\r\nbody\r\n".Length, first.Size); // read on first use
        await inbox.FlushSummariesAsync(); // what a FETCH learned is written by the delayed flush (PendingFlushDelay), or by the next locked operation

        // Same name, other content: a process that read the file would see another size.
        await File.WriteAllTextAsync(path, new string('x', 5000));
        var again = (await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX")).State.Messages[0];

        Assert.Equal(first.Size, again.Size);
    }

    [Fact]
    public async Task A_replica_opening_a_settled_folder_reports_the_uidlist_uidnext()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        maildir.Deliver(IndexTestMaildir.Message("b"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        await Task.Delay(TimeSpan.FromSeconds(2.2)); // let the directories settle so the stamp is trusted
        await inbox.SyncAsync();

        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal(3u, other.State.UidNext);
        Assert.Equal(inbox.State.HighestModSeq, other.State.HighestModSeq);
        Assert.Equal(2, other.State.Count);
    }

    [Fact]
    public async Task A_corrupt_uidlist_gets_a_new_uidvalidity()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var before = (await maildir.Mailbox.OpenFolderAsync("INBOX")).State;

        await File.WriteAllTextAsync(Path.Combine(maildir.UserPath, "dovecot-uidlist"), "9 nonsense\n");
        await Task.Delay(1100); // UIDVALIDITY is the clock in seconds, as Dovecot makes it
        var after = (await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX")).State;

        Assert.NotEqual(before.UidValidity, after.UidValidity);
        Assert.Single(after.Messages);
    }

    [Fact]
    public async Task Wait_for_change_completes_when_another_session_changes_the_folder()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var known = inbox.State.HighestModSeq;

        var waiting = inbox.WaitForChangeAsync(known, TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Seen, []));

        var state = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(state.HighestModSeq > known);
    }

    [Fact]
    public async Task Notify_changed_wakes_waiters_after_a_delivery()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var waiting = inbox.WaitForChangeAsync(inbox.State.HighestModSeq, TimeSpan.FromMinutes(5), CancellationToken.None);

        maildir.Deliver(IndexTestMaildir.Message("new"));
        maildir.Store.NotifyChanged(IndexTestMaildir.User, "INBOX");

        var state = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, state.Count);
    }

    [Fact]
    public async Task Wait_for_change_falls_back_to_polling_the_disk()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var waiting = inbox.WaitForChangeAsync(inbox.State.HighestModSeq, TimeSpan.FromMilliseconds(200), CancellationToken.None);

        maildir.Deliver(IndexTestMaildir.Message("polled"));

        var state = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, state.Count);
    }
}
