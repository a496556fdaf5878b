using System.Collections.Concurrent;

namespace Facteur.MailStore.Tests;

/// <summary>The group commit of directory fsyncs: shared by concurrent callers, never one that began before the caller.</summary>
public sealed class DirectorySyncTests : IDisposable
{
    private readonly TempMailRoot root = new();

    public void Dispose()
    {
        DirectorySync.BeforeGroupFsync = null;
        root.Dispose();
    }

    [Fact]
    public async Task Callers_arriving_during_an_fsync_share_the_next_one_and_wait_for_it()
    {
        var directory = Directory.CreateDirectory(Path.Combine(root.Path, "shared")).FullName;
        var started = new ConcurrentQueue<int>();
        using var firstStarted = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        DirectorySync.BeforeGroupFsync = d =>
        {
            if (d != directory)
            {
                return; // another test's directory
            }

            started.Enqueue(started.Count);
            if (started.Count == 1)
            {
                firstStarted.Set();
                Assert.True(releaseFirst.Wait(TimeSpan.FromSeconds(30)));
            }
        };

        var first = DirectorySync.FsyncAsync(directory);
        Assert.True(firstStarted.Wait(TimeSpan.FromSeconds(30)));

        // These arrive while the first fsync runs: it may not cover their renames, so they must
        // not complete with it, and they must all share the one that follows.
        var later = Enumerable.Range(0, 20).Select(_ => DirectorySync.FsyncAsync(directory)).ToArray();
        await Task.Delay(50);
        Assert.False(first.IsCompleted);
        Assert.All(later, t => Assert.False(t.IsCompleted));

        releaseFirst.Set();
        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(later).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, started.Count);
    }

    [Fact]
    public async Task A_failed_fsync_fails_every_caller_of_its_batch_and_the_next_caller_tries_again()
    {
        var missing = Path.Combine(root.Path, "missing");
        var calls = Enumerable.Range(0, 5).Select(_ => DirectorySync.FsyncAsync(missing)).ToArray();
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<IOException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        Directory.CreateDirectory(missing);
        await DirectorySync.FsyncAsync(missing).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Many_concurrent_deliveries_into_one_mailbox_all_land_durably()
    {
        var writer = new MaildirWriter(root.Path, "mx.esp.sn");
        var fsyncs = 0;
        var inbox = writer.MailboxDirectory("alice@esp.sn", null);
        DirectorySync.BeforeGroupFsync = d =>
        {
            if (d == Path.Combine(inbox, "new"))
            {
                Interlocked.Increment(ref fsyncs);
            }
        };

        var deliveries = Enumerable.Range(0, 40).Select(i => Task.Run(() => writer.DeliverAsync(new MaildirCopy
        {
            QueueId = $"Q{i}",
            Mailbox = "alice@esp.sn",
            ReceivedAt = DateTimeOffset.UnixEpoch.AddDays(i),
            ReversePath = "bob@example.org",
        }, new MemoryStream("Subject: x\r\n\r\nbody\r\n"u8.ToArray())))).ToArray();
        var results = await Task.WhenAll(deliveries).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(40, Directory.GetFiles(Path.Combine(inbox, "new")).Length);
        Assert.All(results, r => Assert.True(File.Exists(r.Path)));
        Assert.InRange(fsyncs, 1, 40);
    }
}
