using Facteur.MailStore.Index;
using Facteur.MailStore.Tests.Folders;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// A STORE writes its log batch (new names and mod-sequences) before its renames and fsyncs it while they are
/// made: a record whose rename never reached the disk must be found by the next process and given a new,
/// higher mod-sequence (RFC 7162 §3.1.1); a rename that finds the file moved falls back to the careful path.
/// </summary>
public sealed class FlagBatchTests
{
    [Theory]
    [InlineData(5)] // below the overlapped fsync's threshold: fsynced before the renames
    [InlineData(100)] // the fsync runs beside the renames
    public async Task A_logged_flag_change_whose_renames_were_lost_is_reread_from_the_files_with_higher_modseqs(int count)
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, count);
        var cur = Path.Combine(maildir.UserPath, "cur");
        var curMtime = Directory.GetLastWriteTimeUtc(cur);
        var before = inbox.State.Messages.ToDictionary(m => m.Uid, m => m.FileName);

        var result = await inbox.UpdateFlagsAsync(new FlagChange(before.Keys.ToList(), FlagChangeMode.Add, MessageFlags.Flagged, []));
        var seen = result.State.HighestModSeq;
        Assert.All(result.Changed, c => Assert.Equal(MessageFlags.Flagged, c.Flags));

        // A power loss that kept the fsynced log but none of the (never fsynced) renames: the files have their
        // old names again and cur/ its old mtime, as if the directory's blocks never reached the disk.
        foreach (var (uid, oldName) in before)
        {
            File.Move(Path.Combine(cur, inbox.State.FindByUid(uid)!.FileName), Path.Combine(cur, oldName));
        }

        Directory.SetLastWriteTimeUtc(cur, curMtime);

        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var state = await fresh.SyncAsync();

        Assert.Equal(count, state.Messages.Count);
        Assert.All(state.Messages, m => Assert.Equal(MessageFlags.None, m.Flags));
        Assert.All(state.Messages, m => Assert.True(m.ModSeq > seen, $"UID {m.Uid}: {m.ModSeq} not above {seen}"));
        Assert.True(state.HighestModSeq > seen);
    }

    [Fact]
    public async Task A_store_on_many_messages_one_of_which_another_program_renamed_keeps_both_changes()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 100);
        var cur = Path.Combine(maildir.UserPath, "cur");
        var highestBefore = inbox.State.HighestModSeq;
        var moved = inbox.State.FindByUid(40)!.FileName;
        File.Move(Path.Combine(cur, moved), Path.Combine(cur, moved[..(moved.IndexOf(':') + 3)] + "S"));

        var result = await inbox.UpdateFlagsAsync(new FlagChange(inbox.State.Messages.Select(m => m.Uid).ToList(), FlagChangeMode.Add, MessageFlags.Flagged, []));

        Assert.Equal(100, result.Changed.Count);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, result.Changed.Single(c => c.Uid == 40).Flags);
        Assert.All(result.Changed.Where(c => c.Uid != 40), c => Assert.Equal(MessageFlags.Flagged, c.Flags));
        Assert.All(result.Changed, c => Assert.True(c.ModSeq > highestBefore, $"UID {c.Uid}"));
        Assert.Equal(result.Changed.Count, result.Changed.Select(c => c.ModSeq).Distinct().Count());
        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(result.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)), fresh.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)));
        Assert.Equal(100, Directory.GetFiles(cur).Count(f => f.EndsWith(":2,FS", StringComparison.Ordinal) || f.EndsWith(":2,F", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_store_after_the_log_was_compacted_into_the_index_is_appended_to_a_new_log()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 200);
        var indexPath = Path.Combine(maildir.UserPath, "facteur-index");
        var generation = (await File.ReadAllLinesAsync(indexPath))[0];
        var all = inbox.State.Messages.Select(m => m.Uid).ToList();
        var compacted = false;
        for (var round = 0; round < 200 && !compacted; round++)
        {
            await inbox.UpdateFlagsAsync(new FlagChange(all, round % 2 == 0 ? FlagChangeMode.Add : FlagChangeMode.Remove, MessageFlags.Flagged, []));
            compacted = (await File.ReadAllLinesAsync(indexPath))[0] != generation;
        }

        Assert.True(compacted, "the index was rewritten once the log was long");
        var rewritten = await File.ReadAllBytesAsync(indexPath);

        await inbox.UpdateFlagsAsync(new FlagChange([7u], FlagChangeMode.Add, MessageFlags.Answered, []));

        // The old log's length no longer counts: the change is a short record in this base's new log.
        Assert.Equal(rewritten, await File.ReadAllBytesAsync(indexPath));
        var log = await File.ReadAllTextAsync(indexPath + ".log");
        Assert.Contains("\nF 7 ", log, StringComparison.Ordinal);
        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(inbox.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)), fresh.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)));
    }

    /// <summary>A folder of <paramref name="count"/> messages in cur/ whose directory stamp has settled and been recorded.</summary>
    [Fact]
    public async Task A_rename_the_kernel_refuses_fails_the_store_and_the_files_stay_the_truth()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await SettledInboxAsync(maildir, 100); // the overlapped batch: its write runs beside the renames
        var cur = Path.Combine(maildir.UserPath, "cur");
        var stuck = Path.Combine(cur, inbox.State.FindByUid(50)!.FileName);
        var all = inbox.State.Messages.Select(m => m.Uid).ToList();
        Chattr.Set("+i", stuck);
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => inbox.UpdateFlagsAsync(new FlagChange(all, FlagChangeMode.Add, MessageFlags.Flagged, [])));
        }
        finally
        {
            Chattr.Set("-i", stuck);
        }

        // The folder reports what the names say: the renames made before the refused one, none after it.
        var state = await inbox.SyncAsync();
        Assert.Equal(100, Directory.GetFiles(cur).Length);
        Assert.Equal(MessageFlags.None, state.FindByUid(50)!.Flags);
        Assert.Equal(MessageFlags.None, state.FindByUid(100)!.Flags);
        Assert.All(state.Messages, m => Assert.Equal(m.FileName.EndsWith(":2,F", StringComparison.Ordinal) ? MessageFlags.Flagged : MessageFlags.None, m.Flags));

        var retried = await inbox.UpdateFlagsAsync(new FlagChange(all, FlagChangeMode.Add, MessageFlags.Flagged, []));
        Assert.All(retried.State.Messages, m => Assert.Equal(MessageFlags.Flagged, m.Flags));
        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var reread = await fresh.SyncAsync();
        Assert.Equal(100, reread.Messages.Count);
        Assert.All(reread.Messages, m => Assert.Equal(MessageFlags.Flagged, m.Flags));
    }

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
}
