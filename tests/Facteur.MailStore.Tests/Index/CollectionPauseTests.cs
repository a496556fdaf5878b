using System.Collections.Concurrent;
using System.Runtime;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// A first sync of a large folder holds off garbage collection while it builds the index (CollectionPause) and lets
/// it go before it returns; one that finds another pause in progress runs without and leaves that one alone. The
/// pause is process-wide, so these run alone (the collection of the fsync hook they observe it through).
/// </summary>
[Collection(FsyncHookCollection.Name)]
public sealed class CollectionPauseTests : IDisposable
{
    private const int LargeFolder = 5_000;
    private readonly IndexTestMaildir maildir = new();
    private readonly ConcurrentQueue<GCLatencyMode> modesAtFolderFsync = new();

    public CollectionPauseTests()
    {
        // The uidlist's rename is made durable (the folder's directory fsynced) in the middle of the sync.
        var folder = Path.GetFullPath(maildir.UserPath);
        DirectorySync.BeforeFsync = directory =>
        {
            if (Path.GetFullPath(directory) == folder)
            {
                modesAtFolderFsync.Enqueue(GCSettings.LatencyMode);
            }
        };
    }

    public void Dispose()
    {
        DirectorySync.BeforeFsync = null;
        maildir.Dispose();
    }

    [Fact]
    public async Task A_large_first_sync_holds_off_collections_while_it_builds_and_lets_them_go_before_it_returns()
    {
        WriteMessages(LargeFolder);

        var folder = await maildir.Mailbox.OpenFolderAsync("INBOX");

        Assert.Contains(GCLatencyMode.NoGCRegion, modesAtFolderFsync);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        Assert.Equal(LargeFolder, folder.State.Count);
        Assert.Equal(Enumerable.Range(1, LargeFolder).Select(i => (uint)i), folder.State.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task A_first_sync_of_long_names_stays_inside_the_pause_it_asked_for()
    {
        // Names as Dovecot and Postfix's local(8) make them on a host with a long name, about 60 characters,
        // against the 43 that sized the pause (MailFolder.CollectionPauseBytesPerFile). A pause too small for
        // them ends by itself before the sync does.
        WriteMessages(LargeFolder, i => $"{1_700_000_000 + i}.M{100_000 + i}P{20_000 + i}Q{i}.mx1.mail.example.org,S=20,W=21");
        var outgrownBefore = CollectionPause.Outgrown;

        var folder = await maildir.Mailbox.OpenFolderAsync("INBOX");

        Assert.Equal(LargeFolder, folder.State.Count);
        Assert.Contains(GCLatencyMode.NoGCRegion, modesAtFolderFsync);
        Assert.Equal(outgrownBefore, CollectionPause.Outgrown);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public async Task A_small_first_sync_leaves_collections_alone()
    {
        WriteMessages(50);

        var folder = await maildir.Mailbox.OpenFolderAsync("INBOX");

        Assert.NotEmpty(modesAtFolderFsync);
        Assert.DoesNotContain(GCLatencyMode.NoGCRegion, modesAtFolderFsync);
        Assert.Equal(50, folder.State.Count);
    }

    [Fact]
    public async Task A_first_sync_that_finds_another_pause_in_progress_runs_without_one_and_leaves_it_alone()
    {
        WriteMessages(LargeFolder);
        Assert.True(GC.TryStartNoGCRegion(128L << 20));
        try
        {
            var folder = await maildir.Mailbox.OpenFolderAsync("INBOX");

            Assert.Equal(LargeFolder, folder.State.Count);
            // Still the test's own pause: the sync did not end it (asking for a second one would have).
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        }
        finally
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
    }

    private void WriteMessages(int count, Func<int, string>? nameOf = null)
    {
        nameOf ??= i => $"{1_700_000_000 + i}.M{i}P1Q1.host,S=20";
        var newDirectory = Path.Combine(maildir.UserPath, "new");
        for (var i = 0; i < count; i++)
        {
            File.WriteAllText(Path.Combine(newDirectory, nameOf(i)), "Subject: x\r\n\r\nbody\r\n");
        }
    }
}
