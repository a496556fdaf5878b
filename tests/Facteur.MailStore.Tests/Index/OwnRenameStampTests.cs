using System.Text;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// After its own STORE renames, its own APPEND/COPY, or its own EXPUNGE, a process trusts the directory stamp they left instead of
/// listing cur/ again, but only until that stamp settles: a change by another program is still found — at once
/// when it moves the directory's mtime, by one listing once the stamp settles when it hid in the same clock tick.
/// </summary>
public sealed class OwnRenameStampTests
{
    [Fact]
    public async Task An_external_rename_right_after_our_own_store_is_seen_by_the_next_sync()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 3);
        await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Flagged, []));
        await inbox.SyncAsync();
        var before = inbox.State.FindByUid(3)!;

        await Task.Delay(50); // a later tick of the file system's clock
        RenameAsAnotherProgram(maildir, before.FileName, "S");
        var after = (await inbox.SyncAsync()).FindByUid(3)!;

        Assert.Equal(MessageFlags.Seen, after.Flags);
        Assert.True(after.ModSeq > before.ModSeq);
        Assert.Equal(MessageFlags.Flagged, inbox.State.FindByUid(1)!.Flags);
    }

    [Fact]
    public async Task A_change_hidden_in_the_same_instant_as_our_store_is_found_once_the_stamp_settles()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 3);
        var stored = DateTime.UtcNow;
        await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Flagged, []));
        var target = inbox.State.FindByUid(2)!;

        // Another program renames a file and the coarse clock gives cur/ the same mtime as our rename did.
        HiddenRename(maildir, target.FileName, "S");

        var soon = (await inbox.SyncAsync()).FindByUid(2)!;
        if (DateTime.UtcNow - stored < DirectoryStamp.SettleTime - TimeSpan.FromMilliseconds(500))
        {
            Assert.Equal(MessageFlags.None, soon.Flags); // trusted our own stamp: no listing yet
        }

        Assert.Equal(MessageFlags.Flagged, inbox.State.FindByUid(1)!.Flags);

        await Task.Delay(DirectoryStamp.SettleTime + TimeSpan.FromMilliseconds(300));
        var later = (await inbox.SyncAsync()).FindByUid(2)!;
        Assert.Equal(MessageFlags.Seen, later.Flags);
        Assert.True(later.ModSeq > soon.ModSeq);
    }

    [Fact]
    public async Task Stores_one_after_another_do_not_keep_a_hidden_change_from_being_found()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 4);
        await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Flagged, []));
        HiddenRename(maildir, inbox.State.FindByUid(4)!.FileName, "T");

        // A client storing every 200 ms chains its own stamps; the first one's settle time still bounds the wait.
        var started = DateTime.UtcNow;
        var seenAfter = TimeSpan.MaxValue;
        for (var i = 0; i < 40 && DateTime.UtcNow - started < TimeSpan.FromSeconds(8); i++)
        {
            await inbox.UpdateFlagsAsync(new FlagChange([(uint)(1 + (i % 3))], i % 2 == 0 ? FlagChangeMode.Add : FlagChangeMode.Remove, MessageFlags.Seen, []));
            if ((await inbox.SyncAsync()).FindByUid(4)!.Flags == MessageFlags.Deleted)
            {
                seenAfter = DateTime.UtcNow - started;
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(seenAfter <= DirectoryStamp.SettleTime + TimeSpan.FromSeconds(2.5), $"seen after {seenAfter}");
    }

    [Fact]
    public async Task A_store_then_a_sync_matches_what_a_fresh_replica_reads_from_the_files()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 5);
        await inbox.UpdateFlagsAsync(new FlagChange([1u, 2u, 3u, 4u, 5u], FlagChangeMode.Add, MessageFlags.Flagged, []));
        await inbox.UpdateFlagsAsync(new FlagChange([2u, 4u], FlagChangeMode.Remove, MessageFlags.Flagged, []));
        var ours = await inbox.SyncAsync();

        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal(ours.Messages.Select(m => (m.Uid, m.Flags, m.FileName)), fresh.State.Messages.Select(m => (m.Uid, m.Flags, m.FileName)));
        Assert.Equal([MessageFlags.Flagged, MessageFlags.None, MessageFlags.Flagged, MessageFlags.None, MessageFlags.Flagged], ours.Messages.Select(m => m.Flags));
    }

    [Fact]
    public async Task A_change_hidden_in_the_same_instant_as_our_append_is_found_once_the_stamp_settles()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 3);
        var appended = DateTime.UtcNow;
        var result = await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message("appended"))), new AppendRequest());
        HiddenRename(maildir, inbox.State.FindByUid(2)!.FileName, "S");

        var soon = await inbox.SyncAsync();
        if (DateTime.UtcNow - appended < DirectoryStamp.SettleTime - TimeSpan.FromMilliseconds(500))
        {
            Assert.Equal(MessageFlags.None, soon.FindByUid(2)!.Flags); // trusted our own stamp: no listing yet
        }

        Assert.Equal(4u, result.Uid);
        Assert.NotNull(soon.FindByUid(4));

        await Task.Delay(DirectoryStamp.SettleTime + TimeSpan.FromMilliseconds(300));
        var later = await inbox.SyncAsync();
        Assert.Equal(MessageFlags.Seen, later.FindByUid(2)!.Flags);
        Assert.Equal([1u, 2u, 3u, 4u], later.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task A_delivery_into_new_between_appends_is_seen_by_the_sync_after_them()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 2);
        await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message("a1"))), new AppendRequest());
        var delivered = maildir.Deliver(IndexTestMaildir.Message("delivered"));
        await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message("a2"))), new AppendRequest());

        var state = await inbox.SyncAsync();

        Assert.Contains(state.Messages, m => m.FileName == Path.GetFileName(delivered));
        Assert.Equal(5, state.Count);
        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(state.Messages.Select(m => (m.Uid, m.FileName)), fresh.State.Messages.Select(m => (m.Uid, m.FileName)));
    }

    [Fact]
    public async Task A_change_hidden_in_the_same_instant_as_our_expunge_is_found_once_the_stamp_settles()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 4);
        await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Deleted, []));
        var expunged = DateTime.UtcNow;
        Assert.Equal([1u], await inbox.ExpungeAsync());
        HiddenRename(maildir, inbox.State.FindByUid(2)!.FileName, "S");

        var soon = await inbox.SyncAsync();
        if (DateTime.UtcNow - expunged < DirectoryStamp.SettleTime - TimeSpan.FromMilliseconds(500))
        {
            Assert.Equal(MessageFlags.None, soon.FindByUid(2)!.Flags); // trusted our own stamp: no listing yet
        }

        Assert.Equal([2u, 3u, 4u], soon.Messages.Select(m => m.Uid));

        await Task.Delay(DirectoryStamp.SettleTime + TimeSpan.FromMilliseconds(300));
        var later = await inbox.SyncAsync();
        Assert.Equal(MessageFlags.Seen, later.FindByUid(2)!.Flags);
        Assert.True(later.FindByUid(2)!.ModSeq > soon.FindByUid(2)!.ModSeq);
    }

    [Fact]
    public async Task An_expunge_then_a_sync_matches_what_a_fresh_replica_reads_from_the_files()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 5);
        await inbox.UpdateFlagsAsync(new FlagChange([2u, 4u], FlagChangeMode.Add, MessageFlags.Deleted, []));
        Assert.Equal([2u, 4u], await inbox.ExpungeAsync());
        var delivered = maildir.Deliver(IndexTestMaildir.Message("after the expunge"));
        var ours = await inbox.SyncAsync();

        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal([1u, 3u, 5u, 6u], ours.Messages.Select(m => m.Uid));
        Assert.Contains(ours.Messages, m => m.FileName == Path.GetFileName(delivered));
        Assert.Equal(ours.Messages.Select(m => (m.Uid, m.Flags, m.FileName)), fresh.State.Messages.Select(m => (m.Uid, m.Flags, m.FileName)));
    }

    [Fact]
    public async Task A_deleted_flag_set_by_another_program_is_expunged_once_a_sync_has_shown_it()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 3);
        await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Deleted, []));
        await Task.Delay(50); // a later tick: cur/'s mtime moves
        RenameAsAnotherProgram(maildir, inbox.State.FindByUid(3)!.FileName, "T");

        // The EXPUNGE removes what the index (the session's view) has flagged; message 3's \Deleted is not
        // known until a sync shows it (RFC 3501 §6.4.3: as if this EXPUNGE came before the other program's STORE).
        Assert.Equal([1u], await inbox.ExpungeAsync());
        Assert.Equal(MessageFlags.Deleted, (await inbox.SyncAsync()).FindByUid(3)!.Flags);
        Assert.Equal([3u], await inbox.ExpungeAsync());
        Assert.Equal([2u], inbox.State.Messages.Select(m => m.Uid));
        Assert.Single(maildir.Files());
    }

    /// <summary>A folder of <paramref name="count"/> messages in cur/ whose directory stamp has settled and been recorded.</summary>
    private static async Task<MailFolder> SettledInboxAsync(IndexTestMaildir maildir, int count)
    {
        for (var i = 0; i < count; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"), info: "");
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        await Task.Delay(DirectoryStamp.SettleTime + TimeSpan.FromMilliseconds(300));
        await inbox.SyncAsync();
        return inbox;
    }

    private static void RenameAsAnotherProgram(IndexTestMaildir maildir, string fileName, string info)
    {
        var cur = Path.Combine(maildir.UserPath, "cur");
        File.Move(Path.Combine(cur, fileName), Path.Combine(cur, fileName[..(fileName.IndexOf(':') + 3)] + info));
    }

    /// <summary>Renames as another program would, then puts cur/'s mtime back: what a coarse clock does within one tick.</summary>
    private static void HiddenRename(IndexTestMaildir maildir, string fileName, string info)
    {
        var cur = Path.Combine(maildir.UserPath, "cur");
        var mtime = Directory.GetLastWriteTimeUtc(cur);
        RenameAsAnotherProgram(maildir, fileName, info);
        Directory.SetLastWriteTimeUtc(cur, mtime);
    }
}
