using System.Runtime.CompilerServices;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// Mailbox:FolderStateRetention: the store lets go of a folder state no session used for the retention, finds again
/// one a session still holds (never two of one folder), and a released state reloads from the index alike.
/// </summary>
public sealed class FolderStateRetentionTests
{
    [Fact]
    public async Task A_state_unused_for_the_retention_is_collected_and_the_next_open_reloads_it_alike()
    {
        using var maildir = new IndexTestMaildir(folderStateRetention: TimeSpan.Zero);
        for (var i = 0; i < 3; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"));
        }

        var (weak, before) = await OpenFlagAndForgetAsync(maildir);
        maildir.Store.ReleaseIdle();

        // Released, it writes what it had parsed on a pool thread, which holds it until that is done.
        Assert.True(await CollectedAsync(weak));
        Assert.Null(maildir.Store.FindOpenFolder(IndexTestMaildir.User, "INBOX"));
        var after = (await maildir.Mailbox.OpenFolderAsync("INBOX")).State;
        Assert.Equal(before, Describe(after));
        Assert.Equal(MessageFlags.Flagged, after.FindByUid(2)!.Flags & MessageFlags.Flagged);
    }

    [Fact]
    public async Task Within_the_retention_an_unheld_state_is_kept_for_the_next_open()
    {
        using var maildir = new IndexTestMaildir(folderStateRetention: TimeSpan.FromHours(1));
        maildir.Deliver(IndexTestMaildir.Message("a"));

        var (weak, _) = await OpenFlagAndForgetAsync(maildir, flag: false);
        maildir.Store.ReleaseIdle();
        Collect();

        Assert.True(weak.TryGetTarget(out var kept));
        Assert.Same(kept, await maildir.Mailbox.OpenFolderAsync("INBOX"));
        Assert.True(maildir.Mailbox.HoldsFolders);
    }

    [Fact]
    public async Task A_released_state_a_session_still_holds_is_found_again_and_still_woken_by_a_delivery()
    {
        using var maildir = new IndexTestMaildir(folderStateRetention: TimeSpan.Zero);
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var held = await maildir.Mailbox.OpenFolderAsync("INBOX"); // a session's SELECT
        maildir.Store.ReleaseIdle();
        Collect();

        Assert.False(maildir.Mailbox.HoldsFolders); // released: only the session keeps it alive
        Assert.Same(held, maildir.Store.FindOpenFolder(IndexTestMaildir.User, "INBOX"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var wait = held.WaitForChangeAsync(held.State.HighestModSeq, TimeSpan.FromMinutes(10), stop.Token);
        maildir.Deliver(IndexTestMaildir.Message("b"));
        maildir.Store.NotifyChanged(IndexTestMaildir.User, "INBOX");
        Assert.Equal(2, (await wait.WaitAsync(TimeSpan.FromSeconds(10))).Count);
        Assert.Same(held, await maildir.Mailbox.OpenFolderAsync("INBOX"));
    }

    [Fact]
    public async Task A_session_use_counts_and_a_delivery_does_not()
    {
        var retention = TimeSpan.FromMilliseconds(400);
        using var maildir = new IndexTestMaildir(folderStateRetention: retention);
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var held = await maildir.Mailbox.OpenFolderAsync("INBOX");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var wait = held.WaitForChangeAsync(held.State.HighestModSeq, TimeSpan.FromMinutes(10), stop.Token);

        await Task.Delay(retention * 2);
        maildir.Store.ReleaseIdle();
        Assert.True(maildir.Mailbox.HoldsFolders); // an IDLE session waits on it
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);

        await held.SyncAsync(); // the session's next command
        maildir.Store.ReleaseIdle();
        Assert.True(maildir.Mailbox.HoldsFolders);

        await Task.Delay(retention * 2);
        maildir.Deliver(IndexTestMaildir.Message("b"));
        maildir.Store.NotifyChanged(IndexTestMaildir.User, "INBOX");
        for (var i = 0; i < 100 && held.State.Count < 2; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, held.State.Count);
        maildir.Store.ReleaseIdle();
        Assert.False(maildir.Mailbox.HoldsFolders);
    }

    [Fact]
    public async Task A_state_used_again_after_its_release_is_held_again_with_its_mailbox()
    {
        var retention = TimeSpan.FromSeconds(1.5);
        using var maildir = new IndexTestMaildir(folderStateRetention: retention);
        maildir.Deliver(IndexTestMaildir.Message("a"));

        // A session that logged in once, then used its folder after the retention (the sweep had released it), then left.
        var weak = await OpenAndUseLaterAsync(maildir, retention * 2);
        maildir.Store.ReleaseIdle();
        Collect();

        Assert.True(weak.TryGetTarget(out var kept));
        Assert.Same(kept, await maildir.Mailbox.OpenFolderAsync("INBOX"));
    }

    [Fact]
    public async Task Summaries_parsed_and_not_yet_written_go_to_the_cache_when_the_state_is_released()
    {
        using var maildir = new IndexTestMaildir(folderStateRetention: TimeSpan.Zero);
        var path = maildir.Deliver(IndexTestMaildir.Message("parsed once"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        await inbox.GetSummaryAsync(inbox.State.Messages[0]);
        var cache = Path.Combine(maildir.UserPath, SummaryCacheFile.FileName);
        var written = File.Exists(cache) ? new FileInfo(cache).Length : 0;

        maildir.Store.ReleaseIdle();
        for (var i = 0; i < 100 && (File.Exists(cache) ? new FileInfo(cache).Length : 0) == written; i++)
        {
            await Task.Delay(50);
        }

        // The file changed behind the cache: only a summary written on release still says "parsed once".
        await File.WriteAllTextAsync(path, "Subject: changed behind our back\r\n\r\n");
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal("parsed once", (await other.GetSummaryAsync(other.State.Messages[0]))!.Envelope.Subject);
    }

    [Fact]
    public async Task A_deleted_folder_is_forgotten_even_when_released_and_still_held()
    {
        using var maildir = new IndexTestMaildir(folderStateRetention: TimeSpan.Zero);
        await maildir.Mailbox.CreateFolderAsync("Work");
        maildir.Deliver(IndexTestMaildir.Message("a"), ".Work");
        var held = await maildir.Mailbox.OpenFolderAsync("Work");
        maildir.Store.ReleaseIdle();

        await maildir.Mailbox.DeleteFolderAsync("Work");
        await maildir.Mailbox.CreateFolderAsync("Work");
        var fresh = await maildir.Mailbox.OpenFolderAsync("Work");

        Assert.NotSame(held, fresh);
        Assert.Equal(0, fresh.State.Count);
    }

    /// <summary>Opens INBOX as a session would, flags UID 2, and returns only a weak reference and the state described.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<(WeakReference<MailFolder> Folder, string State)> OpenFlagAndForgetAsync(IndexTestMaildir maildir, bool flag = true)
    {
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        if (flag)
        {
            await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Flagged, []));
        }

        // Described, not kept: a state's records hold their folder.
        return (new WeakReference<MailFolder>(inbox), Describe(inbox.State));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference<MailFolder>> OpenAndUseLaterAsync(IndexTestMaildir maildir, TimeSpan later)
    {
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        await Task.Delay(later);
        await inbox.SyncAsync();
        return new WeakReference<MailFolder>(inbox);
    }

    private static string Describe(FolderState state) =>
        $"{state.UidValidity} {state.UidNext} {state.HighestModSeq} " + string.Join(",", state.Messages.Select(m => $"{m.Uid}:{m.Flags}:{m.ModSeq}:{m.Size}"));

    private static async Task<bool> CollectedAsync<T>(WeakReference<T> weak)
        where T : class
    {
        for (var i = 0; i < 100; i++)
        {
            Collect();
            if (!weak.TryGetTarget(out _))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
