namespace Facteur.MailStore.Tests;

public sealed class DirectoryFsyncGroupTests : IDisposable
{
    private readonly TempMailRoot root = new();

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task A_lone_caller_gets_a_real_fsync_and_a_missing_directory_fails()
    {
        var group = new DirectoryFsyncGroup();

        await group.FsyncAsync(root.Path, CancellationToken.None);

        await Assert.ThrowsAsync<IOException>(() => group.FsyncAsync(Path.Combine(root.Path, "missing"), CancellationToken.None));
        Assert.Equal(0, group.ActiveDirectories);
    }

    [Fact]
    public async Task Callers_arriving_during_an_fsync_wait_for_the_next_one_and_share_it()
    {
        var calls = 0;
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new ManualResetEventSlim();
        var group = new DirectoryFsyncGroup(_ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                firstStarted.SetResult();
                releaseFirst.Wait(TimeSpan.FromSeconds(30));
            }
        });

        var first = Task.Run(() => group.FsyncAsync(root.Path, CancellationToken.None));
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Their renames happened after the running fsync began: it does not cover them.
        var second = group.FsyncAsync(root.Path, CancellationToken.None);
        var third = group.FsyncAsync(root.Path, CancellationToken.None);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        releaseFirst.Set();
        await Task.WhenAll(first, second, third).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, Volatile.Read(ref calls));
        Assert.Equal(0, group.ActiveDirectories);
    }

    [Fact]
    public async Task Concurrent_deliveries_to_one_folder_are_all_durable_in_new()
    {
        var writer = new MaildirWriter(root.Path, "mx.esp.sn");
        var synced = new System.Collections.Concurrent.ConcurrentBag<string>();
        writer.DirectorySynced = synced.Add;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => writer.DeliverAsync(new MaildirCopy
        {
            QueueId = $"Q{i}",
            Mailbox = "alice@esp.sn",
            ReceivedAt = DateTimeOffset.UtcNow,
            ReversePath = "bob@example.org",
        }, new MemoryStream("Subject: hi\r\n\r\nbody\r\n"u8.ToArray())))));

        var newDirectory = Path.Combine(root.Path, "esp.sn", "alice", "new");
        Assert.Equal(20, Directory.GetFiles(newDirectory).Length);
        Assert.All(results, r => Assert.True(File.Exists(r.Path)));
        Assert.Equal(20, synced.Count(d => d == newDirectory));
    }
}
