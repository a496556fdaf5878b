using System.Collections.Concurrent;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>FolderPoll: the IDLE disk polls of every folder on one thread of their own, off the thread pool.</summary>
public sealed class FolderPollTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void The_polls_of_several_folders_run_on_one_thread_that_is_not_a_pool_thread()
    {
        var poll = new FolderPoll();
        var threads = new ConcurrentBag<(int Id, bool Pool)>();
        using var enough = new ManualResetEventSlim();
        var count = 0;
        var stamp = new DirectoryStamp(1, 1, 1, 1);
        DirectoryStamp Read()
        {
            threads.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
            if (Interlocked.Increment(ref count) == 12)
            {
                enough.Set();
            }

            return stamp;
        }

        var subscriptions = Enumerable.Range(0, 3).Select(_ => poll.Start(TimeSpan.FromMilliseconds(20), Read, _ => Task.CompletedTask)).ToList();
        try
        {
            Assert.True(enough.Wait(Patience));
        }
        finally
        {
            subscriptions.ForEach(poll.Stop);
        }

        Assert.Single(threads.Select(t => t.Id).Distinct());
        Assert.DoesNotContain(threads, t => t.Pool);
    }

    [Fact]
    public async Task An_unchanged_settled_stamp_starts_one_sync_and_a_moved_stamp_starts_another()
    {
        var poll = new FolderPoll();
        long newTicks = 1; // ticks of year 1: long settled
        var syncs = 0;
        var moved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = poll.Start(TimeSpan.FromMilliseconds(10), () => new DirectoryStamp(Volatile.Read(ref newTicks), 1, 1, 1), _ =>
        {
            if (Interlocked.Increment(ref syncs) == 2)
            {
                moved.TrySetResult();
            }

            return Task.CompletedTask;
        });
        try
        {
            // The first round has nothing to compare with: one sync. Later rounds see the same settled stamp.
            await WaitUntil(() => Volatile.Read(ref syncs) == 1);
            await Task.Delay(300);
            Assert.Equal(1, Volatile.Read(ref syncs));

            Volatile.Write(ref newTicks, 2);
            await moved.Task.WaitAsync(Patience);
        }
        finally
        {
            poll.Stop(subscription);
        }
    }

    [Fact]
    public async Task A_folder_whose_sync_is_still_running_gets_no_second_one()
    {
        var poll = new FolderPoll();
        var young = new DirectoryStamp(DateTime.UtcNow.AddYears(1).Ticks, 1, 1, 1); // never settled: every round wants a sync
        var started = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = poll.Start(TimeSpan.FromMilliseconds(5), () => young, async token =>
        {
            Interlocked.Increment(ref started);
            await release.Task.WaitAsync(token);
        });
        try
        {
            await WaitUntil(() => Volatile.Read(ref started) == 1);
            await Task.Delay(200); // about 40 rounds
            Assert.Equal(1, Volatile.Read(ref started));

            release.SetResult();
            await WaitUntil(() => Volatile.Read(ref started) >= 2);
        }
        finally
        {
            poll.Stop(subscription);
        }
    }

    [Fact]
    public async Task A_shorter_interval_takes_effect_at_once_and_a_stopped_folder_is_read_no_more()
    {
        var poll = new FolderPoll();
        var reads = 0;
        var subscription = poll.Start(TimeSpan.FromMinutes(10), () =>
        {
            Interlocked.Increment(ref reads);
            return new DirectoryStamp(1, 1, 1, 1);
        }, _ => Task.CompletedTask);

        poll.Shorten(subscription, TimeSpan.FromMilliseconds(10));
        await WaitUntil(() => Volatile.Read(ref reads) >= 3);

        poll.Stop(subscription);
        await Task.Delay(100); // a round already under way may still read once
        var after = Volatile.Read(ref reads);
        await Task.Delay(300);
        Assert.Equal(after, Volatile.Read(ref reads));
    }

    [Fact]
    public async Task Stopping_cancels_the_sync_under_way()
    {
        var poll = new FolderPoll();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = poll.Start(TimeSpan.FromMilliseconds(10), () => new DirectoryStamp(1, 1, 1, 1), async token =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult();
                throw;
            }
        });

        await started.Task.WaitAsync(Patience);
        poll.Stop(subscription);

        await cancelled.Task.WaitAsync(Patience);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out");
            await Task.Delay(5);
        }
    }
}
