using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// While cur/ and the uidlist are as this process last knew them, a sync lists new/ alone, as Dovecot's maildir sync
/// does while cur/'s mtime is unchanged — for good when cur/ had settled before that listing, else until its time
/// settles, when one look at cur/ (its names against the index's; for a delivery's sync, on a pool thread) decides;
/// anything new/ cannot explain, a change of cur/ or of the list, or a look that differs, takes the full listing.
/// </summary>
public sealed class NewOnlySyncTests
{
    private static readonly TimeSpan PastSettling = DirectoryStamp.SettleTime + TimeSpan.FromMilliseconds(300);

    private static string UidListPath(IndexTestMaildir maildir) => Path.Combine(maildir.UserPath, "dovecot-uidlist");

    private static string Cur(IndexTestMaildir maildir) => Path.Combine(maildir.UserPath, "cur");

    private static string KeyOf(string path) => MaildirEntryName.Parse(Path.GetFileName(path)).Key;

    /// <summary>A folder of <paramref name="count"/> read messages in cur/, whose time is a minute old when it is first listed.</summary>
    private static async Task<MailFolder> OpenWithSettledCurAsync(IndexTestMaildir maildir, int count)
    {
        for (var i = 0; i < count; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"old {i}"), info: "S");
        }

        Directory.SetLastWriteTimeUtc(Cur(maildir), DateTime.UtcNow.AddMinutes(-1));
        return await maildir.Mailbox.OpenFolderAsync("INBOX");
    }

    [Fact]
    public async Task A_delivery_is_found_by_listing_new_alone_while_cur_keeps_its_time()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await OpenWithSettledCurAsync(maildir, 3);
        var before = File.ReadAllText(UidListPath(maildir));

        // A file slipped into cur/ with cur/'s time put back: only a listing of cur/ could find it.
        var curTime = Directory.GetLastWriteTimeUtc(Cur(maildir));
        var hidden = maildir.Deliver(IndexTestMaildir.Message("hidden"), info: "S");
        Directory.SetLastWriteTimeUtc(Cur(maildir), curTime);
        var delivered = maildir.Deliver(IndexTestMaildir.Message("delivered"));

        var state = await inbox.SyncAsync();

        Assert.Equal([1u, 2u, 3u, 4u], state.Messages.Select(m => m.Uid));
        Assert.Equal(KeyOf(delivered), state.Messages[^1].Key);
        Assert.True(state.Messages[^1].IsNew);
        Assert.Equal(5u, state.UidNext);
        Assert.Equal(before + $"4 :{KeyOf(delivered)}\n", File.ReadAllText(UidListPath(maildir)));

        // Once cur/'s time moves, the full listing finds the file too, with the next UID.
        Directory.SetLastWriteTimeUtc(Cur(maildir), DateTime.UtcNow);
        state = await inbox.SyncAsync();
        Assert.Equal([1u, 2u, 3u, 4u, 5u], state.Messages.Select(m => m.Uid));
        Assert.Equal(KeyOf(hidden), state.Messages[^1].Key);
    }

    [Fact]
    public async Task Right_after_cur_changed_new_alone_is_listed_until_cur_s_time_settles_then_cur_is_listed_again()
    {
        using var maildir = new IndexTestMaildir();
        for (var i = 0; i < 3; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"fresh {i}"), info: "");
        }

        var opened = DateTime.UtcNow;
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX"); // cur/ changed just now: trusted until it settles

        // Another program flags a message in the same tick of a coarse clock (cur/'s time put back), and mail arrives.
        var cur = Cur(maildir);
        var curTime = Directory.GetLastWriteTimeUtc(cur);
        var target = inbox.State.FindByUid(2)!;
        File.Move(Path.Combine(cur, target.FileName), Path.Combine(cur, target.FileName + "S"));
        Directory.SetLastWriteTimeUtc(cur, curTime);
        var delivered = maildir.Deliver(IndexTestMaildir.Message("delivered"));

        var soon = await inbox.SyncAsync();
        Assert.Equal(KeyOf(delivered), soon.Messages[^1].Key);
        if (DateTime.UtcNow - opened < DirectoryStamp.SettleTime - TimeSpan.FromMilliseconds(500))
        {
            Assert.Equal(MessageFlags.None, soon.FindByUid(2)!.Flags); // new/ alone was listed
        }

        // Once cur/'s time has settled, the next sync starts a look at cur/, which finds the rename and asks for a sync
        // that lists cur/ again.
        await Task.Delay(DirectoryStamp.SettleTime + TimeSpan.FromMilliseconds(300));
        var second = maildir.Deliver(IndexTestMaildir.Message("second"));
        await inbox.SyncAsync();
        await inbox.CurLook;
        var later = await inbox.SyncAsync();
        Assert.Equal(MessageFlags.Seen, later.FindByUid(2)!.Flags);
        Assert.Equal(KeyOf(second), later.Messages[^1].Key);
        Assert.Equal(5, later.Count);
    }

    [Fact]
    public async Task Once_cur_s_time_settles_one_look_at_cur_that_matches_the_index_stands_for_a_full_sync_for_good()
    {
        using var maildir = new IndexTestMaildir();
        for (var i = 0; i < 3; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"fresh {i}"), info: "");
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX"); // cur/ changed just now: trusted until it settles
        var full = inbox.FullSyncs;
        await Task.Delay(PastSettling);

        // new/ alone is synced, and cur/ is looked at beside it (its names are the index's): no full sync.
        var first = maildir.Deliver(IndexTestMaildir.Message("first"));
        var state = await inbox.SyncAsync();
        Assert.Equal([1u, 2u, 3u, 4u], state.Messages.Select(m => m.Uid));
        Assert.Equal(KeyOf(first), state.Messages[^1].Key);
        await inbox.CurLook;
        Assert.Equal(full, inbox.FullSyncs);

        // cur/ had settled before that look, so it holds until cur/'s time moves: a file slipped in with the time put
        // back stays unseen, as after a full listing of settled directories.
        var cur = Cur(maildir);
        var curTime = Directory.GetLastWriteTimeUtc(cur);
        var hidden = maildir.Deliver(IndexTestMaildir.Message("hidden"), info: "S");
        Directory.SetLastWriteTimeUtc(cur, curTime);
        maildir.Deliver(IndexTestMaildir.Message("second"));
        state = await inbox.SyncAsync();
        await inbox.CurLook; // had the first look not held for good, this sync would have started another
        state = await inbox.SyncAsync();
        Assert.Equal(5, state.Count);
        Assert.Equal(full, inbox.FullSyncs);

        Directory.SetLastWriteTimeUtc(cur, DateTime.UtcNow);
        state = await inbox.SyncAsync();
        Assert.Equal(KeyOf(hidden), state.Messages[^1].Key);
        Assert.Equal(full + 1, inbox.FullSyncs);
    }

    [Fact]
    public async Task A_file_deleted_from_cur_in_cur_s_last_tick_is_found_by_the_look_once_the_tick_settles()
    {
        using var maildir = new IndexTestMaildir();
        for (var i = 0; i < 3; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"fresh {i}"), info: "");
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var full = inbox.FullSyncs;
        var highest = inbox.State.HighestModSeq;

        // Another program deletes a message in the same tick of a coarse clock: cur/'s time does not move.
        var cur = Cur(maildir);
        var curTime = Directory.GetLastWriteTimeUtc(cur);
        File.Delete(Path.Combine(cur, inbox.State.FindByUid(2)!.FileName));
        Directory.SetLastWriteTimeUtc(cur, curTime);
        await Task.Delay(PastSettling);
        maildir.Deliver(IndexTestMaildir.Message("delivered"));
        Assert.Equal(4, (await inbox.SyncAsync()).Count); // new/ alone; the look starts

        await inbox.CurLook; // one name fewer than the index: a sync is asked for, and it lists everything
        var state = await inbox.SyncAsync();

        Assert.Equal([1u, 3u, 4u], state.Messages.Select(m => m.Uid));
        Assert.Contains(2u, inbox.ExpungedSince(highest));
        Assert.Equal(full + 1, inbox.FullSyncs);
    }

    [Theory]
    [InlineData("store")]
    [InlineData("append")]
    [InlineData("expunge")]
    public async Task After_this_process_s_own_change_to_cur_a_delivery_is_synced_by_listing_new_alone_until_cur_s_tick_settles(string change)
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await OpenWithSettledCurAsync(maildir, 3);
        switch (change)
        {
            case "store":
                await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Flagged, []));
                break;
            case "append":
                await inbox.AppendAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(IndexTestMaildir.Message("appended"))), new AppendRequest());
                break;
            default:
                await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Deleted, []));
                await inbox.ExpungeAsync();
                break;
        }

        var full = inbox.FullSyncs;
        var count = inbox.State.Count;

        // Another program slips a file into cur/ in the same tick as that change (cur/'s time put back), and mail arrives:
        // the delivery is found without listing cur/ (the client's change is what the index already holds).
        var cur = Cur(maildir);
        var curTime = Directory.GetLastWriteTimeUtc(cur);
        var hidden = maildir.Deliver(IndexTestMaildir.Message("hidden"), info: "S");
        Directory.SetLastWriteTimeUtc(cur, curTime);
        var delivered = maildir.Deliver(IndexTestMaildir.Message("delivered"));
        var soon = await inbox.SyncAsync();
        Assert.Equal(full, inbox.FullSyncs);
        Assert.Equal(count + 1, soon.Count);
        Assert.Equal(KeyOf(delivered), soon.Messages[^1].Key);

        // Once that tick has settled, the look at cur/ finds the stranger and the full sync it asks for takes it in.
        await Task.Delay(PastSettling);
        var later = maildir.Deliver(IndexTestMaildir.Message("later"));
        await inbox.SyncAsync();
        await inbox.CurLook;
        var state = await inbox.SyncAsync();
        Assert.Equal(full + 1, inbox.FullSyncs);
        Assert.Equal(count + 3, state.Count);
        Assert.Contains(state.Messages, m => m.Key == KeyOf(hidden));
        Assert.Contains(state.Messages, m => m.Key == KeyOf(later));
    }

    [Fact]
    public async Task A_file_deleted_from_new_by_another_program_is_expunged_and_its_record_dropped()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await OpenWithSettledCurAsync(maildir, 2);
        var first = maildir.Deliver(IndexTestMaildir.Message("first"));
        var second = maildir.Deliver(IndexTestMaildir.Message("second"));
        var state = await inbox.SyncAsync();
        Assert.Equal(4, state.Count);
        var highest = state.HighestModSeq;

        File.Delete(first);
        var third = maildir.Deliver(IndexTestMaildir.Message("third"));
        state = await inbox.SyncAsync();

        Assert.Equal([KeyOf(second), KeyOf(third)], state.Messages.Skip(2).Select(m => m.Key));
        Assert.Equal([1u, 2u, 4u, 5u], state.Messages.Select(m => m.Uid));
        Assert.Contains(3u, inbox.ExpungedSince(highest));
        Assert.DoesNotContain(KeyOf(first), File.ReadAllText(UidListPath(maildir)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_file_moved_into_cur_within_cur_s_old_time_keeps_its_uid_and_takes_its_flags()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await OpenWithSettledCurAsync(maildir, 2);
        var delivered = maildir.Deliver(IndexTestMaildir.Message("delivered"));
        var state = await inbox.SyncAsync();
        var uid = state.Messages[^1].Uid;

        // Another program reads it: new/ → cur/ with the Seen flag, and cur/'s time happens to stay (a coarse clock).
        var curTime = Directory.GetLastWriteTimeUtc(Cur(maildir));
        File.Move(delivered, Path.Combine(Cur(maildir), Path.GetFileName(delivered) + ":2,S"));
        Directory.SetLastWriteTimeUtc(Cur(maildir), curTime);
        state = await inbox.SyncAsync();

        var moved = Assert.Single(state.Messages, m => m.Key == KeyOf(delivered));
        Assert.Equal(uid, moved.Uid);
        Assert.False(moved.IsNew);
        Assert.True(moved.Flags.HasFlag(MessageFlags.Seen));
        Assert.Equal(3, state.Count);
    }

    [Fact]
    public async Task A_record_another_program_appended_to_the_list_keeps_its_uid()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await OpenWithSettledCurAsync(maildir, 2);

        // Dovecot delivers and gives the file UID 7 (its N may run ahead of the records); then one more arrives.
        var theirs = maildir.Deliver(IndexTestMaildir.Message("theirs"));
        File.AppendAllText(UidListPath(maildir), $"7 :{KeyOf(theirs)}\n");
        var ours = maildir.Deliver(IndexTestMaildir.Message("ours"));
        var state = await inbox.SyncAsync();

        Assert.Equal([(7u, KeyOf(theirs)), (8u, KeyOf(ours))], state.Messages.Skip(2).Select(m => (m.Uid, m.Key)));
        Assert.Equal(9u, state.UidNext);
    }

    [Fact]
    public async Task Deliveries_synced_one_by_one_leave_the_list_another_replica_reads_the_same()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await OpenWithSettledCurAsync(maildir, 5);
        var delivered = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            delivered.Add(KeyOf(maildir.Deliver(IndexTestMaildir.Message($"new {i}"))));
            if (i % 3 != 0)
            {
                await inbox.SyncAsync(); // one, two or three files per sync
            }
        }

        var state = await inbox.SyncAsync();
        Assert.Equal(Enumerable.Range(1, 45).Select(i => (uint)i), state.Messages.Select(m => m.Uid));
        Assert.Equal(delivered.Order(StringComparer.Ordinal), state.Messages.Skip(5).Select(m => m.Key).Order(StringComparer.Ordinal));

        var replica = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(state.Messages.Select(m => (m.Uid, m.Key)), replica.State.Messages.Select(m => (m.Uid, m.Key)));
        Assert.Equal(46u, replica.State.UidNext);
        var records = File.ReadAllLines(UidListPath(maildir)).Skip(1).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(records.Distinct().Count(), records.Count);
    }
}
