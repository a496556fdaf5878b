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
    public async Task A_watched_folder_wakes_its_waiter_on_a_file_another_program_delivers_long_before_its_poll()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // Unwatched, the poll would look in a minute; watched, the first change is looked at once.
        var wait = inbox.WaitForChangeAsync(inbox.State.HighestModSeq, TimeSpan.FromMinutes(1), stop.Token, watchDisk: true);

        maildir.Deliver(IndexTestMaildir.Message("b")); // no bus event: only inotify tells
        var state = await wait.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, state.Count);
    }

    [Fact]
    public async Task A_watched_folder_wakes_its_waiter_on_a_flag_changed_by_a_rename_in_cur()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        await inbox.SyncAsync();
        var file = Directory.GetFiles(Path.Combine(inbox.Path, "cur")).Concat(Directory.GetFiles(Path.Combine(inbox.Path, "new"))).Single();
        if (Path.GetFileName(Path.GetDirectoryName(file)) == "new")
        {
            var moved = Path.Combine(inbox.Path, "cur", Path.GetFileName(file) + ":2,");
            File.Move(file, moved);
            await inbox.SyncAsync();
            file = moved;
        }

        var known = inbox.State.HighestModSeq;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var wait = inbox.WaitForChangeAsync(known, TimeSpan.FromMinutes(1), stop.Token, watchDisk: true);

        File.Move(file, file[..file.LastIndexOf(":2,", StringComparison.Ordinal)] + ":2,S"); // another client marks it \Seen
        var state = await wait.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(state.HighestModSeq > known);
    }

    [Theory]
    [InlineData("ext4", true)]
    [InlineData("xfs", true)]
    [InlineData("overlay", true)]
    [InlineData("tmpfs", true)]
    [InlineData("nfs4", false)]
    [InlineData("NFS", false)]
    [InlineData("cifs", false)]
    [InlineData("fuse.sshfs", false)]
    [InlineData("ceph", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Inotify_is_trusted_on_local_file_systems_only(string? fileSystem, bool local) =>
        Assert.Equal(local, FolderWatch.IsLocal(fileSystem));

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
