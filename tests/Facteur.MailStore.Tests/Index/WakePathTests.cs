using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// The path from a delivered copy to an IDLE session's EXISTS: delivery notices (in process and by bus
/// event) start a background sync, the sync wakes waiters once its UIDs are durable, and its index batch
/// is fsynced after the lock is released — so a batch lost to a power loss must come back the same.
/// </summary>
public sealed class WakePathTests
{
    private static string LogPath(IndexTestMaildir maildir) => Path.Combine(maildir.UserPath, "facteur-index.log");

    [Fact]
    public async Task A_burst_of_delivery_notices_from_many_threads_wakes_a_waiter_with_every_message()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Ten "delivery workers", four copies each, every copy announced as delivery does. The poll
        // interval is far beyond the test's bound: only the notices can wake the waiter.
        var deliveries = Enumerable.Range(0, 10).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 4; i++)
            {
                var path = maildir.Deliver(IndexTestMaildir.Message($"w{w} m{i}"));
                maildir.Store.NotifyDelivered(IndexTestMaildir.User, "INBOX", Path.GetFileName(path));
            }
        })).ToList();

        var known = inbox.State.HighestModSeq;
        var state = inbox.State;
        while (state.Count < 40)
        {
            state = await inbox.WaitForChangeAsync(known, TimeSpan.FromMinutes(10), stop.Token);
            known = state.HighestModSeq;
        }

        await Task.WhenAll(deliveries);
        Assert.Equal(40, state.Count);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (uint)i), state.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task The_bus_event_for_a_copy_already_announced_in_process_syncs_nothing_and_a_new_copy_does()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var empty = inbox.State.HighestModSeq;
        var first = Path.GetFileName(maildir.Deliver(IndexTestMaildir.Message("first")));
        maildir.Store.NotifyDelivered(IndexTestMaildir.User, "INBOX", first);
        var afterFirst = await inbox.WaitForChangeAsync(empty, TimeSpan.FromMinutes(10), stop.Token);
        Assert.Equal(1, afterFirst.Count);

        // A file nobody announced, then the bus event of the first copy (the standalone hears its own
        // delivery twice): the event is a no-op, so the folder does not sync and the file stays unseen.
        var second = Path.GetFileName(maildir.Deliver(IndexTestMaildir.Message("second")));
        maildir.Store.NotifyDelivered(IndexTestMaildir.User, "INBOX", first);
        var wait = inbox.WaitForChangeAsync(afterFirst.HighestModSeq, TimeSpan.FromMinutes(10), stop.Token);
        await Task.Delay(500);
        Assert.False(wait.IsCompleted, "an already announced copy started a sync");
        Assert.Equal(1, inbox.State.Count);

        maildir.Store.NotifyDelivered(IndexTestMaildir.User, "INBOX", second);
        var state = await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, state.Count);
    }

    [Fact]
    public async Task A_sync_batch_lost_before_its_fsync_is_rebuilt_with_the_same_uids_and_no_lower_modseqs()
    {
        using var maildir = new IndexTestMaildir();
        for (var i = 0; i < 5; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"old {i}"));
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Flagged, [])); // starts the log, fsynced
        var durableLength = new FileInfo(LogPath(maildir)).Length;
        var durableModSeq = inbox.State.HighestModSeq;

        maildir.Deliver(IndexTestMaildir.Message("new a"));
        maildir.Deliver(IndexTestMaildir.Message("new b"));
        var seen = await inbox.SyncAsync();
        Assert.Equal(7, seen.Count);
        Assert.True(new FileInfo(LogPath(maildir)).Length > durableLength, "the sync appended its batch to the log");

        // Power loss before the deferred fsync: the log loses the sync's batch (the uidlist, fsynced
        // before the wake, keeps its UIDs). Another process opens the folder afterwards.
        using (var log = new FileStream(LogPath(maildir), FileMode.Open, FileAccess.Write))
        {
            log.SetLength(durableLength);
        }

        var replica = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var after = replica.State;

        Assert.Equal(seen.UidValidity, after.UidValidity);
        Assert.Equal(seen.UidNext, after.UidNext);
        Assert.Equal(seen.Messages.Select(m => (m.Uid, m.Key)), after.Messages.Select(m => (m.Uid, m.Key)));
        Assert.True(after.FindByUid(2u)!.Flags.HasFlag(MessageFlags.Flagged), "the fsynced STORE batch survived");
        Assert.True(after.HighestModSeq >= seen.HighestModSeq, "mod-sequences never go back");
        Assert.All(after.Messages.Where(m => m.Uid > 5), m => Assert.True(m.ModSeq > durableModSeq));
    }
}
