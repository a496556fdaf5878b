using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

public sealed class FlagAndExpungeTests
{
    [Fact]
    public async Task Add_remove_and_replace_rename_the_file_and_bump_the_modseq()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var start = inbox.State.HighestModSeq;

        var added = await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Seen | MessageFlags.Flagged, []));
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, added.Changed.Single().Flags);
        Assert.True(added.Changed.Single().ModSeq > start);
        Assert.EndsWith(":2,FS", Assert.Single(maildir.Files()));

        var removed = await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Remove, MessageFlags.Flagged, []));
        Assert.Equal(MessageFlags.Seen, removed.Changed.Single().Flags);
        Assert.EndsWith(":2,S", Assert.Single(maildir.Files()));

        var replaced = await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Replace, MessageFlags.Answered | MessageFlags.Draft, []));
        Assert.Equal(MessageFlags.Answered | MessageFlags.Draft, replaced.Changed.Single().Flags);
        Assert.EndsWith(":2,DR", Assert.Single(maildir.Files()));
        Assert.Equal(replaced.State.HighestModSeq, replaced.Changed.Single().ModSeq);
    }

    [Fact]
    public async Task A_store_that_changes_nothing_keeps_the_modseq()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "S");
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var before = inbox.State.Messages[0].ModSeq;

        var result = await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Seen, []));

        Assert.Equal(before, result.Changed.Single().ModSeq);
    }

    [Fact]
    public async Task Keywords_are_registered_in_dovecot_keywords_as_letters()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        var result = await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.None, ["$Label1", "Work", "$Forwarded"]));

        Assert.Equal(["$Forwarded", "$Label1", "Work"], result.Changed.Single().Keywords.Order(StringComparer.Ordinal));
        Assert.Equal("0 $Label1\n1 Work\n2 $Forwarded\n", await File.ReadAllTextAsync(Path.Combine(maildir.UserPath, "dovecot-keywords")));
        Assert.EndsWith(":2,abc", Assert.Single(maildir.Files()));
        Assert.Contains("Work", result.State.Keywords);

        var reopened = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.True(reopened.State.Messages[0].HasKeyword("work"));
    }

    [Fact]
    public async Task Unchangedsince_refuses_messages_changed_after_it()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        maildir.Deliver(IndexTestMaildir.Message("b"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var seen = inbox.State.HighestModSeq;
        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Flagged, []));

        var result = await inbox.UpdateFlagsAsync(new FlagChange([1u, 2u], FlagChangeMode.Add, MessageFlags.Seen, [], UnchangedSince: seen));

        Assert.Equal([2u], result.Modified);
        Assert.Equal([1u], result.Changed.Select(c => c.Uid));
        Assert.Equal(MessageFlags.Flagged, result.State.FindByUid(2)!.Flags);
    }

    [Fact]
    public async Task Flag_changes_from_two_replicas_and_many_threads_are_all_kept()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var one = await maildir.Store.OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var two = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var keywords = Enumerable.Range(0, 16).Select(i => $"k{i}").ToList();

        await Task.WhenAll(keywords.Select((k, i) => Task.Run(() =>
            (i % 2 == 0 ? one : two).UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, i == 3 ? MessageFlags.Seen : MessageFlags.None, [k])))));

        var final = (await one.SyncAsync()).Messages.Single();
        Assert.Equal(keywords.Order(StringComparer.Ordinal), final.Keywords.Order(StringComparer.Ordinal));
        Assert.Equal(MessageFlags.Seen, final.Flags);
        var other = (await two.SyncAsync()).Messages.Single();
        Assert.Equal(final.ModSeq, other.ModSeq);
    }

    [Fact]
    public async Task Expunge_deletes_only_deleted_messages_and_records_them_for_vanished()
    {
        using var maildir = new IndexTestMaildir();
        var a = maildir.Deliver(IndexTestMaildir.Message("a"), info: "T");
        maildir.Deliver(IndexTestMaildir.Message("b"));
        var c = maildir.Deliver(IndexTestMaildir.Message("c"), info: "ST");
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var before = inbox.State.HighestModSeq;

        var expunged = await inbox.ExpungeAsync([3u]);
        Assert.Equal([3u], expunged);
        expunged = await inbox.ExpungeAsync();

        Assert.Equal([1u], expunged);
        Assert.Equal([2u], inbox.State.Messages.Select(m => m.Uid));
        Assert.Single(maildir.Files());
        Assert.Equal([1u, 3u], inbox.ExpungedSince(before));
        var uidList = await File.ReadAllTextAsync(Path.Combine(maildir.UserPath, "dovecot-uidlist"));
        Assert.DoesNotContain(Path.GetFileName(a).Split(':')[0], uidList, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetFileName(c).Split(':')[0], uidList, StringComparison.Ordinal);

        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal([1u, 3u], other.ExpungedSince(before));
    }

    [Fact]
    public async Task Expunged_records_stay_in_the_uidlist_until_a_quarter_of_it_has_no_file_then_it_is_rewritten()
    {
        using var maildir = new IndexTestMaildir();
        var keys = new List<string>();
        for (var i = 1; i <= 40; i++)
        {
            keys.Add(Path.GetFileName(maildir.Deliver(IndexTestMaildir.Message($"m{i}"), info: "T")).Split(':')[0]);
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var uidListPath = Path.Combine(maildir.UserPath, "dovecot-uidlist");
        int Records() => File.ReadAllLines(uidListPath).Length - 1;

        // One at a time, as a client deletes: ten expunges leave 30 messages and 10 records without files.
        for (var uid = 1u; uid <= 10; uid++)
        {
            Assert.Equal([uid], await inbox.ExpungeAsync([uid]));
        }

        Assert.Equal(40, Records());
        Assert.Equal(30, maildir.Files().Length);

        // The eleventh would make it 11 of 40: the list is rewritten with the 29 messages left.
        Assert.Equal([11u], await inbox.ExpungeAsync([11u]));
        Assert.Equal(29, Records());
        var list = await File.ReadAllTextAsync(uidListPath);
        Assert.All(keys.Take(11), key => Assert.DoesNotContain(key, list, StringComparison.Ordinal));
        Assert.All(keys.Skip(11), key => Assert.Contains(key, list, StringComparison.Ordinal));

        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(Enumerable.Range(12, 29).Select(u => (uint)u), other.State.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task An_expunge_by_one_replica_is_seen_by_the_other()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "T");
        var one = await maildir.Store.OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var two = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var known = two.State.HighestModSeq;

        await one.ExpungeAsync();
        var state = await two.SyncAsync();

        Assert.Empty(state.Messages);
        Assert.Equal([1u], two.ExpungedSince(known));
    }
}
