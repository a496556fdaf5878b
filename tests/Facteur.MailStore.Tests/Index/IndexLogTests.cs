using System.Text;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>facteur-index.log: small changes are appended, replicas read only the new records, torn writes rebuild from the Maildir.</summary>
public sealed class IndexLogTests
{
    private static string IndexPath(IndexTestMaildir maildir) => Path.Combine(maildir.UserPath, "facteur-index");

    private static string LogPath(IndexTestMaildir maildir) => IndexPath(maildir) + ".log";

    private static async Task<MailFolder> InboxWithAsync(IndexTestMaildir maildir, int messages)
    {
        for (var i = 0; i < messages; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"));
        }

        return await maildir.Mailbox.OpenFolderAsync("INBOX");
    }

    [Fact]
    public async Task A_flag_change_is_appended_to_the_log_and_leaves_the_index_file_untouched()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 5);
        var baseBefore = await File.ReadAllBytesAsync(IndexPath(maildir));
        var logBefore = File.Exists(LogPath(maildir)) ? new FileInfo(LogPath(maildir)).Length : 0;

        await inbox.UpdateFlagsAsync(new FlagChange([3u], FlagChangeMode.Add, MessageFlags.Flagged, []));

        Assert.Equal(baseBefore, await File.ReadAllBytesAsync(IndexPath(maildir)));
        var log = await File.ReadAllTextAsync(LogPath(maildir));
        Assert.True(log.Length > logBefore, "the change went to the log");
        Assert.Contains(" 3 ", log, StringComparison.Ordinal);
        Assert.Matches(@"\nC \d+ [0-9a-f]{16}\n$", log);
    }

    [Fact]
    public async Task Another_replica_sees_logged_flag_changes_and_expunges_with_the_same_modseqs()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 6);
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        await inbox.UpdateFlagsAsync(new FlagChange([2u, 4u], FlagChangeMode.Add, MessageFlags.Seen | MessageFlags.Deleted, ["$Label1"]));
        await inbox.ExpungeAsync([4u]);
        await inbox.UpdateFlagsAsync(new FlagChange([5u], FlagChangeMode.Add, MessageFlags.Answered, []));
        var after = await other.SyncAsync();

        Assert.Equal(inbox.State.HighestModSeq, after.HighestModSeq);
        Assert.Equal(inbox.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq, string.Join(',', m.Keywords))),
            after.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq, string.Join(',', m.Keywords))));
        Assert.DoesNotContain(after.Messages, m => m.Uid == 4);
        Assert.Contains(4u, other.ExpungedSince(0));
    }

    [Fact]
    public async Task A_third_process_reads_the_index_and_its_log_without_a_rebuild()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 4);
        await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Flagged, []));
        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Seen, []));
        var expected = inbox.State;

        var third = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        // A rebuild would restart mod-sequences above the clock; reading the log keeps them.
        Assert.Equal(expected.HighestModSeq, third.State.HighestModSeq);
        Assert.Equal(expected.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)), third.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)));
    }

    [Theory]
    [InlineData("cut")] // the last write stopped half way
    [InlineData("flip")] // a byte of a committed batch changed
    [InlineData("uncommitted")] // records without their commit line
    public async Task A_torn_or_damaged_log_is_detected_and_the_index_rebuilt_with_the_flags_on_disk(string damage)
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 3);
        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Flagged, []));
        var before = inbox.State;
        var header = (await File.ReadAllLinesAsync(IndexPath(maildir)))[0];

        var log = await File.ReadAllBytesAsync(LogPath(maildir));
        switch (damage)
        {
            case "cut":
                await File.WriteAllBytesAsync(LogPath(maildir), log[..^7]);
                break;
            case "flip":
                var firstLine = Array.IndexOf(log, (byte)'\n');
                log[firstLine + 6] ^= 0x01; // inside the F record's mod-sequence
                await File.WriteAllBytesAsync(LogPath(maildir), log);
                break;
            default:
                // A record claiming \Seen|\Deleted for UID 1, never committed: it must not be believed.
                var entry = Encoding.UTF8.GetString(log).Split('\n').First(l => l.StartsWith("F 2 ", StringComparison.Ordinal));
                var forged = "F 1" + entry[3..entry.LastIndexOf(":2,", StringComparison.Ordinal)] + ":2,ST\n";
                await File.AppendAllTextAsync(LogPath(maildir), forged);
                break;
        }

        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal(before.UidValidity, other.State.UidValidity);
        Assert.Equal(before.Messages.Select(m => (m.Uid, m.Flags)), other.State.Messages.Select(m => (m.Uid, m.Flags)));
        Assert.True(other.State.HighestModSeq >= before.HighestModSeq, "mod-sequences never go back");
        Assert.NotEqual(header, (await File.ReadAllLinesAsync(IndexPath(maildir)))[0]); // rebuilt: a new base, the damaged log no longer applies
        var third = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(other.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)), third.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)));
    }

    [Fact]
    public async Task The_log_is_compacted_into_the_index_once_it_grows_past_half_of_it()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 200);
        var generation = (await File.ReadAllLinesAsync(IndexPath(maildir)))[0];
        var compacted = false;
        for (var round = 0; round < 3000 && !compacted; round++)
        {
            // Twenty messages a round: a flag change is a short F record, so one message a round would take thousands.
            var first = (uint)(round * 20 % 200) + 1;
            var mode = round * 20 / 200 % 2 == 0 ? FlagChangeMode.Add : FlagChangeMode.Remove;
            await inbox.UpdateFlagsAsync(new FlagChange(Enumerable.Range((int)first, 20).Select(u => (uint)u).ToList(), mode, MessageFlags.Flagged, []));
            compacted = (await File.ReadAllLinesAsync(IndexPath(maildir)))[0] != generation;
        }

        Assert.True(compacted, "the index was rewritten once the log was long");
        Assert.True(new FileInfo(LogPath(maildir)).Length < 300 * 1024, "the log started again after the rewrite");
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(inbox.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)), other.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)));
    }

    [Fact]
    public async Task A_log_left_from_an_older_index_generation_is_ignored()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 70);
        await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Seen, []));
        var staleLog = await File.ReadAllBytesAsync(LogPath(maildir));
        var all = inbox.State.Messages.Select(m => m.Uid).ToList();

        // STOREs on every message (logged), then 70 deliveries rewrite the index (new generation); then a
        // crash "restores" the old log, a prefix of the one the new base replaced.
        await inbox.UpdateFlagsAsync(new FlagChange(all, FlagChangeMode.Add, MessageFlags.Flagged, []));
        await inbox.UpdateFlagsAsync(new FlagChange(all, FlagChangeMode.Remove, MessageFlags.Seen, []));
        var generation = (await File.ReadAllLinesAsync(IndexPath(maildir)))[0];
        for (var i = 0; i < 70; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"late{i}"));
        }

        var expected = await inbox.SyncAsync();
        Assert.NotEqual(generation, (await File.ReadAllLinesAsync(IndexPath(maildir)))[0]);
        await File.WriteAllBytesAsync(LogPath(maildir), staleLog);

        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal(expected.Messages.Select(m => (m.Uid, m.Flags)), other.State.Messages.Select(m => (m.Uid, m.Flags)));
    }

    [Fact]
    public async Task An_index_of_the_older_version_is_rebuilt_not_misread()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "S");
        var before = (await maildir.Mailbox.OpenFolderAsync("INBOX")).State;
        var uidValidity = before.UidValidity;

        // Version 1 had two fewer fields per line: read as version 2 it would shift every field.
        await File.WriteAllTextAsync(IndexPath(maildir), $"facteur-index 1 V{uidValidity} H9 G7\n1 9 999 0 -1 0 c {Path.GetFileName(maildir.Files()[0])}\n");
        File.Delete(LogPath(maildir));
        var after = (await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX")).State;

        Assert.Equal([(1u, MessageFlags.Seen, before.Messages[0].Size)], after.Messages.Select(m => (m.Uid, m.Flags, m.Size)));
        Assert.StartsWith("facteur-index 3 ", await File.ReadAllTextAsync(IndexPath(maildir)));
    }

    [Fact]
    public async Task After_a_whole_rewrite_the_next_small_change_reaches_a_replica_that_loaded_the_new_index()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 80);
        var all = inbox.State.Messages.Select(m => m.Uid).ToList();
        await inbox.UpdateFlagsAsync(new FlagChange(all, FlagChangeMode.Add, MessageFlags.Seen, []));
        for (var i = 0; i < 80; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"late{i}"));
        }

        await inbox.SyncAsync(); // 80 new messages: rewrites the base
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        await inbox.UpdateFlagsAsync(new FlagChange([7u], FlagChangeMode.Add, MessageFlags.Flagged, [])); // restarts the log
        await inbox.UpdateFlagsAsync(new FlagChange([9u], FlagChangeMode.Add, MessageFlags.Answered, []));
        var seen = await other.SyncAsync();

        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, seen.FindByUid(7)!.Flags);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Answered, seen.FindByUid(9)!.Flags);
        Assert.Equal(inbox.State.HighestModSeq, seen.HighestModSeq);
    }

    [Fact]
    public async Task A_sync_with_nothing_changed_needs_no_lock_and_a_sync_after_a_change_takes_it()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Options.LockTimeout = TimeSpan.FromMilliseconds(300);
        var inbox = await InboxWithAsync(maildir, 3);
        await Task.Delay(TimeSpan.FromSeconds(2.2)); // the directories' times settle
        await inbox.SyncAsync(); // records the settled stamp

        // Another live process holds the folder's lock.
        var lockPath = Path.Combine(maildir.UserPath, "dovecot-uidlist.lock");
        await File.WriteAllTextAsync(lockPath, $"{Environment.ProcessId}:{Environment.MachineName}");
        try
        {
            var unchanged = await inbox.SyncAsync().WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(3, unchanged.Count);

            maildir.Deliver(IndexTestMaildir.Message("new"));
            var refused = await Assert.ThrowsAsync<MailStoreException>(() => inbox.SyncAsync());
            Assert.Equal(MailStoreError.InUse, refused.Error);
        }
        finally
        {
            File.Delete(lockPath);
        }

        Assert.Equal(4, (await inbox.SyncAsync()).Count);
    }

    [Fact]
    public async Task A_store_on_every_message_appends_short_flag_records_that_a_replica_and_a_fresh_load_read_with_the_same_modseqs()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 100);
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var baseBefore = await File.ReadAllBytesAsync(IndexPath(maildir));
        var all = inbox.State.Messages.Select(m => m.Uid).ToList();

        await inbox.UpdateFlagsAsync(new FlagChange(all, FlagChangeMode.Add, MessageFlags.Flagged, ["Work"]));
        await inbox.UpdateFlagsAsync(new FlagChange(all.Where(u => u % 2 == 0).ToList(), FlagChangeMode.Remove, MessageFlags.Flagged, []));
        var expected = inbox.State;

        Assert.Equal(baseBefore, await File.ReadAllBytesAsync(IndexPath(maildir))); // no rewrite of the base
        var lines = (await File.ReadAllLinesAsync(LogPath(maildir))).ToList();
        Assert.StartsWith("facteur-index-log 3 G", lines[0]);
        Assert.Equal(150, lines.Count(l => l.StartsWith("F ", StringComparison.Ordinal)));
        Assert.Matches(@"^F 1 \d+ :2,Fa$", lines.First(l => l.StartsWith("F 1 ", StringComparison.Ordinal)));
        var files = maildir.Files().Select(Path.GetFileName).ToHashSet();
        Assert.All(expected.Messages, m => Assert.Contains(m.FileName, files));

        var caughtUp = await other.SyncAsync();
        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        foreach (var state in new[] { caughtUp, fresh.State })
        {
            Assert.Equal(expected.HighestModSeq, state.HighestModSeq);
            Assert.Equal(expected.Messages.Select(m => (m.Uid, m.FileName, m.Flags, m.ModSeq, string.Join(',', m.Keywords))),
                state.Messages.Select(m => (m.Uid, m.FileName, m.Flags, m.ModSeq, string.Join(',', m.Keywords))));
        }

        Assert.Equal(MessageFlags.Flagged, expected.FindByUid(1)!.Flags & MessageFlags.Flagged);
        Assert.Equal(MessageFlags.None, expected.FindByUid(2)!.Flags & MessageFlags.Flagged);
    }

    [Fact]
    public async Task A_version_2_log_is_still_read_and_flag_records_are_never_appended_to_it()
    {
        using var maildir = new IndexTestMaildir();
        var inbox = await InboxWithAsync(maildir, 5);
        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Answered, []));
        var header = (await File.ReadAllLinesAsync(IndexPath(maildir)))[0];

        // What an older Facteur left: the same batch as an E record under a version 2 header.
        var record = inbox.State.FindByUid(2)!;
        var indexLine = (await File.ReadAllLinesAsync(IndexPath(maildir))).First(l => l.StartsWith("2 ", StringComparison.Ordinal));
        var fields = indexLine.Split(' ');
        fields[1] = record.ModSeq.ToString(System.Globalization.CultureInfo.InvariantCulture);
        fields[^1] = record.FileName;
        var batch = "E " + string.Join(' ', fields) + "\n";
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(batch))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        var generation = header.Split(' ').First(f => f.StartsWith('G'))[1..];
        await File.WriteAllTextAsync(LogPath(maildir), $"facteur-index-log 2 G{generation}\n{batch}C {inbox.State.HighestModSeq} {hash:x16}\n");

        var older = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(header, (await File.ReadAllLinesAsync(IndexPath(maildir)))[0]); // read, not rebuilt
        Assert.Equal((MessageFlags.Answered, record.ModSeq), (older.State.FindByUid(2)!.Flags, older.State.FindByUid(2)!.ModSeq));

        await older.UpdateFlagsAsync(new FlagChange([3u], FlagChangeMode.Add, MessageFlags.Flagged, []));

        Assert.NotEqual(header, (await File.ReadAllLinesAsync(IndexPath(maildir)))[0]); // a new base instead
        Assert.DoesNotContain("\nF ", await File.ReadAllTextAsync(LogPath(maildir)));
        var fresh = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(older.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)), fresh.State.Messages.Select(m => (m.Uid, m.Flags, m.ModSeq)));
    }
}
