using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>WaitForChangeAsync: one shared poll per folder, wake-ups from changes in the process, from NotifyChanged and from the disk.</summary>
public sealed class IdleWaitTests
{
    [Fact]
    public async Task Many_waiters_share_one_folder_poll_and_all_wake_when_another_program_delivers()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var known = inbox.State.HighestModSeq;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var waits = Enumerable.Range(0, 200).Select(_ => inbox.WaitForChangeAsync(known, TimeSpan.FromMilliseconds(100), stop.Token)).ToList();
        Assert.Equal(200, inbox.Waiters);

        // No bus event: only the folder's poll can see this file.
        maildir.Deliver(IndexTestMaildir.Message("b"));
        var states = await Task.WhenAll(waits);

        Assert.All(states, s => Assert.Equal(2, s.Count));
        Assert.Equal(0, inbox.Waiters);
    }

    [Fact]
    public async Task A_waiter_wakes_on_notify_changed_without_waiting_for_the_poll()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var wait = inbox.WaitForChangeAsync(inbox.State.HighestModSeq, TimeSpan.FromMinutes(10), stop.Token);

        maildir.Deliver(IndexTestMaildir.Message("b"));
        maildir.Store.NotifyChanged(IndexTestMaildir.User, "INBOX");
        var state = await wait.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, state.Count);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_and_the_folder_stops_polling_when_none_is_left()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        using var stop = new CancellationTokenSource();
        var wait = inbox.WaitForChangeAsync(inbox.State.HighestModSeq, TimeSpan.FromMilliseconds(50), stop.Token);
        Assert.Equal(1, inbox.Waiters);

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.Equal(0, inbox.Waiters);
    }
}
