using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// A listing made while new/ and cur/ had settled is complete for as long as their times do not move: once
/// the stamp it left (its own uidlist write included) settles unchanged, the next sync trusts it instead of
/// listing every name again (a header FETCH of 100,000 messages ended with such a relisting). A listing made
/// while the directories were still fresh keeps the old rule: one more listing once they settle.
/// </summary>
public sealed class SettledListingTests
{
    private static readonly TimeSpan PastSettling = DirectoryStamp.SettleTime + TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task A_listing_of_settled_directories_is_not_repeated_when_its_stamp_settles()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxListedWhileSettledAsync(maildir, 3);
        var target = inbox.State.FindByUid(2)!;

        // A rename that leaves cur/'s time where it was: only a second listing could find it.
        HiddenRename(maildir, target.FileName, "S");
        await Task.Delay(PastSettling);
        var state = await inbox.SyncAsync();

        Assert.Equal(MessageFlags.None, state.FindByUid(2)!.Flags);
        Assert.Equal(target.ModSeq, state.FindByUid(2)!.ModSeq);
    }

    [Fact]
    public async Task A_change_after_a_trusted_listing_is_still_seen()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxListedWhileSettledAsync(maildir, 3);
        await Task.Delay(PastSettling);
        await inbox.SyncAsync(); // the listing's stamp is now the index's trusted one
        var before = inbox.State.FindByUid(3)!;

        RenameAsAnotherProgram(maildir, before.FileName, "F");
        maildir.Deliver(IndexTestMaildir.Message("later"), info: "");
        var after = await inbox.SyncAsync();

        Assert.Equal(MessageFlags.Flagged, after.FindByUid(3)!.Flags);
        Assert.True(after.FindByUid(3)!.ModSeq > before.ModSeq);
        Assert.Equal(4, after.Count);
        Assert.Equal(4u, after.Messages[^1].Uid);
    }

    [Fact]
    public async Task A_listing_of_fresh_directories_is_repeated_once_they_settle()
    {
        using var maildir = new IndexTestMaildir();
        for (var i = 0; i < 3; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"), info: ""); // cur/ changed just now
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var target = inbox.State.FindByUid(2)!;

        // Another program's rename in the same tick as the delivery: hidden from the stamp.
        HiddenRename(maildir, target.FileName, "S");
        await Task.Delay(PastSettling);
        var state = await inbox.SyncAsync();

        Assert.Equal(MessageFlags.Seen, state.FindByUid(2)!.Flags);
        Assert.True(state.FindByUid(2)!.ModSeq > target.ModSeq);
    }

    [Fact]
    public async Task Another_replica_reads_the_trusted_listing_as_this_one_does()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxListedWhileSettledAsync(maildir, 4);
        await Task.Delay(PastSettling);
        var ours = await inbox.SyncAsync();

        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal(ours.UidValidity, fresh.State.UidValidity);
        Assert.Equal(ours.Messages.Select(m => (m.Uid, m.Flags, m.FileName)), fresh.State.Messages.Select(m => (m.Uid, m.Flags, m.FileName)));
    }

    /// <summary>
    /// <paramref name="count"/> messages in cur/ whose directories were last changed a minute ago (a copy made
    /// earlier, the bench's case), opened: the first sync lists them and writes the uidlist.
    /// </summary>
    private static async Task<MailFolder> InboxListedWhileSettledAsync(IndexTestMaildir maildir, int count)
    {
        for (var i = 0; i < count; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"), info: "");
        }

        var past = DateTime.UtcNow - TimeSpan.FromMinutes(1);
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir.UserPath, "cur"), past);
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir.UserPath, "new"), past);
        return await maildir.Mailbox.OpenFolderAsync("INBOX");
    }

    private static void RenameAsAnotherProgram(IndexTestMaildir maildir, string fileName, string info)
    {
        var cur = Path.Combine(maildir.UserPath, "cur");
        File.Move(Path.Combine(cur, fileName), Path.Combine(cur, fileName[..(fileName.IndexOf(':') + 3)] + info));
    }

    private static void HiddenRename(IndexTestMaildir maildir, string fileName, string info)
    {
        var cur = Path.Combine(maildir.UserPath, "cur");
        var mtime = Directory.GetLastWriteTimeUtc(cur);
        RenameAsAnotherProgram(maildir, fileName, info);
        Directory.SetLastWriteTimeUtc(cur, mtime);
    }
}
