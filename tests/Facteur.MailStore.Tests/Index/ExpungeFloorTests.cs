using System.Globalization;
using System.Text.RegularExpressions;
using Facteur.MailStore.Index;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// The expunge floor (<c>E</c> in <c>facteur-index</c>): where the record of expunged UIDs is incomplete,
/// <see cref="MailFolder.ExpungedSince"/> must answer with every absent UID, so a QRESYNC client never
/// keeps a message that is gone (RFC 7162 §3.2.5.2).
/// </summary>
public sealed partial class ExpungeFloorTests
{
    [Fact]
    public async Task A_rebuilt_index_sets_the_floor_and_older_mod_sequences_get_every_absent_uid()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        maildir.Deliver(IndexTestMaildir.Message("b"), info: "T");
        maildir.Deliver(IndexTestMaildir.Message("c"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        Assert.Equal([2u], await inbox.ExpungeAsync());
        var known = inbox.State.HighestModSeq;
        Assert.Empty(inbox.ExpungedSince(known));

        File.Delete(Path.Combine(maildir.UserPath, FolderIndexFile.FileName));
        var rebuilt = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.True(rebuilt.State.HighestModSeq > known);
        Assert.All(rebuilt.State.Messages, m => Assert.True(m.ModSeq > known));
        Assert.Equal([2u], rebuilt.ExpungedSince(known)); // the record of 2 was lost, the answer is not
        Assert.Empty(rebuilt.ExpungedSince(rebuilt.State.HighestModSeq));
        Assert.Matches(@" E\d+", (await File.ReadAllLinesAsync(Path.Combine(maildir.UserPath, FolderIndexFile.FileName)))[0]);
    }

    [Fact]
    public async Task Dropping_the_oldest_records_at_the_cap_raises_the_floor_and_it_survives_a_reload()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "T");
        maildir.Deliver(IndexTestMaildir.Message("b"));
        maildir.Deliver(IndexTestMaildir.Message("c"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var start = inbox.State.HighestModSeq;

        // History written as a long-running server would have left it: 50,000 expunges (UIDs 4..50003).
        const int cap = 50_000;
        var indexPath = Path.Combine(maildir.UserPath, FolderIndexFile.FileName);

        // Fold the change log into the base first, so the whole index is in the file edited below.
        var compacted = FolderIndexFile.Read(indexPath)!;
        compacted.RequireRewrite();
        compacted.Save(indexPath);
        var lines = (await File.ReadAllLinesAsync(indexPath)).ToList();
        lines[0] = HighestModSeq().Replace(lines[0], "H" + (start + cap).ToString(CultureInfo.InvariantCulture));
        lines[0] = Generation().Replace(lines[0], "G1"); // a generation no process has seen, so every reader takes this file
        lines.InsertRange(1, Enumerable.Range(0, cap).Select(i => string.Create(CultureInfo.InvariantCulture, $"X {4 + i} {start + 1 + (ulong)i}")));
        await File.WriteAllLinesAsync(indexPath, lines);
        var uidListPath = Path.Combine(maildir.UserPath, "dovecot-uidlist");
        var uidList = await File.ReadAllLinesAsync(uidListPath);
        uidList[0] = NextUid().Replace(uidList[0], "N" + (4 + cap).ToString(CultureInfo.InvariantCulture));
        await File.WriteAllLinesAsync(uidListPath, uidList);
        File.SetLastWriteTimeUtc(uidListPath, DateTime.UtcNow.AddMinutes(1));
        await inbox.SyncAsync();
        Assert.Equal(start + cap, inbox.State.HighestModSeq);

        // One more expunge drops the oldest record (UID 4, mod-sequence start + 1).
        Assert.Equal([1u], await inbox.ExpungeAsync());
        Assert.Equal(Enumerable.Range(5, cap - 1).Select(u => (uint)u).Append(1u).Order(), inbox.ExpungedSince(start + 1));
        var everyAbsent = new uint[] { 1 }.Concat(Enumerable.Range(4, cap).Select(u => (uint)u)).ToList();
        Assert.Equal(everyAbsent, inbox.ExpungedSince(start)); // below the floor: UID 4 is still reported

        var reloaded = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(everyAbsent, reloaded.ExpungedSince(start));
        Assert.Equal([1u], reloaded.ExpungedSince(start + cap));
    }

    [GeneratedRegex(@"H\d+")]
    private static partial Regex HighestModSeq();

    [GeneratedRegex(@"G\d+")]
    private static partial Regex Generation();

    [GeneratedRegex(@"N\d+")]
    private static partial Regex NextUid();
}
