using System.Text;
using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// A sync that only finds new files, an APPEND and a COPY append their records to <c>dovecot-uidlist</c>, as
/// Dovecot does, instead of rewriting the whole list (the IDLE wake path after every delivery; a migration by
/// APPEND); anything else — a record dropped, a version 1 list, a damaged line — still rewrites it whole.
/// </summary>
public sealed class UidListAppendTests
{
    private static string UidListPath(IndexTestMaildir maildir) => Path.Combine(maildir.UserPath, "dovecot-uidlist");

    private static string KeyOf(string path) => MaildirEntryName.Parse(Path.GetFileName(path)).Key;

    [Fact]
    public async Task New_files_are_appended_after_the_lines_already_there_with_the_next_uids()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("1"));
        maildir.Deliver(IndexTestMaildir.Message("2"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var before = File.ReadAllText(UidListPath(maildir));

        var third = maildir.Deliver(IndexTestMaildir.Message("3"));
        var fourth = maildir.Deliver(IndexTestMaildir.Message("4"));
        var state = await inbox.SyncAsync();

        var after = File.ReadAllText(UidListPath(maildir));
        Assert.StartsWith(before, after, StringComparison.Ordinal);
        var added = after[before.Length..].Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { $"3 :{KeyOf(third)}", $"4 :{KeyOf(fourth)}" }.Order(StringComparer.Ordinal), added);
        Assert.Equal([1u, 2u, 3u, 4u], state.Messages.Select(m => m.Uid));
        Assert.Equal(5u, state.UidNext);
    }

    [Fact]
    public async Task Another_replica_reads_the_appended_list_with_the_same_uids_and_uidnext_above_the_last_record()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("1"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        maildir.Deliver(IndexTestMaildir.Message("2"));
        maildir.Deliver(IndexTestMaildir.Message("3"));
        var state = await inbox.SyncAsync();
        // The header still says N2: the records after it decide.
        Assert.StartsWith($"3 V{state.UidValidity} N2 ", File.ReadAllText(UidListPath(maildir)), StringComparison.Ordinal);

        var replica = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal(state.UidValidity, replica.State.UidValidity);
        Assert.Equal(state.Messages.Select(m => (m.Uid, m.FileName)), replica.State.Messages.Select(m => (m.Uid, m.FileName)));
        Assert.Equal(4u, replica.State.UidNext);
        maildir.Deliver(IndexTestMaildir.Message("4"));
        Assert.Equal(4u, (await replica.SyncAsync()).Messages[^1].Uid);
    }

    [Fact]
    public async Task A_settled_folder_whose_list_was_appended_to_reports_uidnext_above_the_last_record_not_the_header()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("1"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        maildir.Deliver(IndexTestMaildir.Message("2"));
        maildir.Deliver(IndexTestMaildir.Message("3"));
        await inbox.SyncAsync();
        await Task.Delay(TimeSpan.FromSeconds(2.2)); // let the directories settle: the next syncs read only the list's head
        await inbox.SyncAsync();

        // A replica opening the settled folder, and a STORE here (which takes UIDNEXT from the list's head too).
        var replica = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Seen, []));

        Assert.Equal(4u, replica.State.UidNext);
        Assert.Equal(3, replica.State.Count);
        Assert.Equal(4u, (await inbox.SyncAsync()).UidNext);
    }

    [Fact]
    public async Task A_list_whose_last_line_lost_its_line_end_gets_one_before_the_appended_record()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("1"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var text = File.ReadAllText(UidListPath(maildir));
        File.WriteAllText(UidListPath(maildir), text.TrimEnd('\n'));

        var second = maildir.Deliver(IndexTestMaildir.Message("2"));
        var state = await inbox.SyncAsync();

        var lines = File.ReadAllText(UidListPath(maildir)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"1 :{KeyOf(first)}", lines[1]);
        Assert.Equal($"2 :{KeyOf(second)}", lines[2]);
        Assert.Equal([1u, 2u], state.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task A_record_torn_by_a_crash_is_dropped_and_its_uid_is_not_given_to_another_file()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("1"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        // An append cut short: "2 :" and the start of a name, no line end.
        File.AppendAllText(UidListPath(maildir), "2 :17000");

        var next = maildir.Deliver(IndexTestMaildir.Message("2"));
        var state = await inbox.SyncAsync();

        Assert.Equal([1u, 3u], state.Messages.Select(m => m.Uid));
        var text = File.ReadAllText(UidListPath(maildir));
        Assert.DoesNotContain("2 :17000", text, StringComparison.Ordinal);
        Assert.EndsWith($"3 :{KeyOf(next)}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_1_list_gaining_a_file_is_rewritten_as_version_3()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("1"));
        File.WriteAllText(UidListPath(maildir), $"1 1700000000 8\n7 {KeyOf(first)}\n");

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var second = maildir.Deliver(IndexTestMaildir.Message("2"));
        var state = await inbox.SyncAsync();

        var lines = File.ReadAllText(UidListPath(maildir)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("3 V1700000000 N9", lines[0], StringComparison.Ordinal);
        Assert.Equal([$"7 :{KeyOf(first)}", $"8 :{KeyOf(second)}"], lines[1..]);
        Assert.Equal([7u, 8u], state.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task A_file_gone_and_one_new_in_the_same_sync_rewrite_the_list_without_the_gone_record()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("1"));
        var second = maildir.Deliver(IndexTestMaildir.Message("2"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        File.Delete(first);
        var third = maildir.Deliver(IndexTestMaildir.Message("3"));

        var state = await inbox.SyncAsync();

        var lines = File.ReadAllText(UidListPath(maildir)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("3 ", lines[0], StringComparison.Ordinal);
        Assert.Contains(" N4", lines[0], StringComparison.Ordinal);
        Assert.Equal([$"2 :{KeyOf(second)}", $"3 :{KeyOf(third)}"], lines[1..]);
        Assert.Equal([2u, 3u], state.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task A_key_listed_twice_keeps_its_first_uid_and_the_list_is_rewritten_without_the_second()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("1"));
        var second = maildir.Deliver(IndexTestMaildir.Message("2"));
        // As a broken tool could leave it: the first key a second time, under a UID of its own.
        File.WriteAllText(UidListPath(maildir), $"3 V1700000000 N6\n3 :{KeyOf(first)}\n4 :{KeyOf(second)}\n5 :{KeyOf(first)}\n");

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var third = maildir.Deliver(IndexTestMaildir.Message("3"));
        var state = await inbox.SyncAsync();

        Assert.Equal([3u, 4u, 6u], state.Messages.Select(m => m.Uid));
        Assert.Equal([KeyOf(first), KeyOf(second), KeyOf(third)], state.Messages.Select(m => m.Key));
        var lines = File.ReadAllText(UidListPath(maildir)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Rewritten without the second record by the first sync; the third file's record appended after it.
        Assert.StartsWith("3 V1700000000 N6", lines[0], StringComparison.Ordinal);
        Assert.Equal([$"3 :{KeyOf(first)}", $"4 :{KeyOf(second)}", $"6 :{KeyOf(third)}"], lines[1..]);
    }

    [Fact]
    public async Task An_append_and_a_copy_add_their_records_after_the_lines_already_there()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("1"));
        maildir.Deliver(IndexTestMaildir.Message("2"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var before = File.ReadAllText(UidListPath(maildir));

        var appended = await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message("3"))), new AppendRequest(MessageFlags.Seen));
        var copied = await inbox.CopyAsync([1u, 2u], inbox);

        // Rewritten whole, the header's N would have moved: the old text is still the file's start.
        var after = File.ReadAllText(UidListPath(maildir));
        Assert.StartsWith(before, after, StringComparison.Ordinal);
        var keys = inbox.State.Messages.ToDictionary(m => m.Uid, m => m.Key);
        Assert.Equal([$"3 :{keys[3]}", $"4 :{keys[4]}", $"5 :{keys[5]}"], after[before.Length..].Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3u, appended.Uid);
        Assert.Equal([4u, 5u], copied.TargetUids);

        var replica = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(inbox.State.Messages.Select(m => (m.Uid, m.Key, m.Flags)), replica.State.Messages.Select(m => (m.Uid, m.Key, m.Flags)));
        Assert.Equal(6u, replica.State.UidNext);
    }

    [Fact]
    public async Task An_append_to_a_list_with_a_damaged_line_rewrites_it_whole_without_that_line()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("1"));
        File.WriteAllText(UidListPath(maildir), $"3 V1700000000 N2\n1 :{KeyOf(first)}\nnot a record\n");
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        var appended = await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message("2"))), new AppendRequest());

        var lines = File.ReadAllText(UidListPath(maildir)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("3 V1700000000 N3", lines[0], StringComparison.Ordinal);
        Assert.Equal([$"1 :{KeyOf(first)}", $"2 :{inbox.State.FindByUid(2)!.Key}"], lines[1..]);
        Assert.Equal(2u, appended.Uid);
    }

    [Fact]
    public async Task An_append_after_another_program_rewrote_the_list_reads_the_new_list_whole()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("1"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var validity = inbox.State.UidValidity;
        // Another program rewrites the list with a higher N (as Dovecot may after expunges), its first record kept.
        File.WriteAllText(UidListPath(maildir), $"3 V{validity} N40\n1 :{KeyOf(first)}\n");

        var appended = await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message("2"))), new AppendRequest());

        Assert.Equal(40u, appended.Uid);
        var lines = File.ReadAllText(UidListPath(maildir)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"40 :{inbox.State.FindByUid(40)!.Key}", lines[^1]);
        Assert.Equal(41u, inbox.State.UidNext);
    }
}
