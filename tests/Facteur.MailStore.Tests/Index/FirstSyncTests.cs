using System.Text;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// The first sync of a folder (no uidlist, no index): a file caught in both new/ and cur/, and a large folder whose
/// uidlist and index base are written on threads of their own, found whole by the next command and another replica.
/// </summary>
public sealed class FirstSyncTests
{
    // Above the size from which a first sync writes its uidlist and index base on threads of their own.
    private const int LargeFolder = 5_000;

    [Fact]
    public async Task A_first_sync_left_alone_writes_its_stamp_once_settled_so_the_next_process_lists_nothing()
    {
        using var maildir = new IndexTestMaildir();
        for (var i = 0; i < 3; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"));
        }

        // Settled directories (delivered a minute ago): the first sync's listing is complete, but its own uidlist
        // write is too recent to trust, so no stamp goes into the index with it.
        foreach (var sub in (string[])["new", "cur"])
        {
            Directory.SetLastWriteTimeUtc(Path.Combine(maildir.UserPath, sub), DateTime.UtcNow.AddMinutes(-1));
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX"); // then the client logs out: no later command
        var indexPath = Path.Combine(maildir.UserPath, FolderIndexFile.FileName);
        Assert.Null(FolderIndexFile.Read(indexPath)!.Stamp);
        for (var i = 0; i < 100 && FolderIndexFile.Read(indexPath)?.Stamp is null; i++)
        {
            await Task.Delay(100);
        }

        Assert.NotNull(FolderIndexFile.Read(indexPath)?.Stamp);
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX"); // a restart
        Assert.Equal(0, other.FullSyncs);
        Assert.Equal(inbox.State.Messages.Select(m => (m.Uid, m.Key)), other.State.Messages.Select(m => (m.Uid, m.Key)));
        Assert.Equal(1, inbox.FullSyncs);
    }

    [Fact]
    public async Task A_key_listed_in_both_new_and_cur_on_a_first_sync_gets_one_uid_as_its_cur_file()
    {
        using var maildir = new IndexTestMaildir();
        var body = Encoding.ASCII.GetBytes(IndexTestMaildir.Message("moving"));
        const string key = "1700000500.M1P1Q1.host";
        // A file caught in both listings while another program moved it new/ → cur/ (and flagged it on the way).
        File.WriteAllBytes(Path.Combine(maildir.UserPath, "new", key), body);
        File.WriteAllBytes(Path.Combine(maildir.UserPath, "cur", key + ":2,S"), body);
        File.WriteAllBytes(Path.Combine(maildir.UserPath, "new", "1600000000.M0P1Q0.host"), body);
        File.WriteAllBytes(Path.Combine(maildir.UserPath, "cur", "1800000000.M2P1Q2.host:2,"), body);

        var folder = await maildir.Mailbox.OpenFolderAsync("INBOX");

        Assert.Equal(3, folder.State.Count);
        var moving = Assert.Single(folder.State.Messages, m => m.Key == key);
        Assert.False(moving.IsNew);
        Assert.Equal(MessageFlags.Seen, moving.Flags);
        Assert.Equal(key + ":2,S", moving.FileName);
        // UIDs in ordinal key order: 1600000000… < 1700000500… < 1800000000….
        Assert.Equal([1u, 2u, 3u], folder.State.Messages.Select(m => m.Uid));
        Assert.Equal(key, folder.State.Messages[1].Key);
        var uidList = File.ReadAllLines(Path.Combine(maildir.UserPath, "dovecot-uidlist"));
        Assert.Single(uidList, line => line.EndsWith(":" + key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_large_first_sync_leaves_an_index_that_the_next_command_and_another_replica_find_whole()
    {
        using var maildir = new IndexTestMaildir();
        var newDirectory = Path.Combine(maildir.UserPath, "new");
        for (var i = 0; i < LargeFolder; i++)
        {
            var body = Encoding.ASCII.GetBytes(IndexTestMaildir.Message($"message {i}"));
            File.WriteAllBytes(Path.Combine(newDirectory, $"{1_700_000_000 + i}.M{i}P1Q1.host,S={body.Length},W={body.Length}"), body);
        }

        var cold = await maildir.Mailbox.OpenFolderAsync("INBOX");
        // Straight after the first sync returned, and from another replica: both find the index whole.
        var stored = await cold.UpdateFlagsAsync(new FlagChange([1, LargeFolder], FlagChangeMode.Add, MessageFlags.Flagged, []));
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal(2, stored.Changed.Count);
        Assert.True(File.Exists(cold.IndexPath));
        Assert.Empty(Directory.GetFiles(maildir.UserPath, "*.tmp"));
        Assert.False(File.Exists(Path.Combine(maildir.UserPath, "dovecot-uidlist.lock")));
        Assert.Equal(LargeFolder, other.State.Count);
        Assert.Equal(cold.State.UidValidity, other.State.UidValidity);
        Assert.Equal(cold.State.HighestModSeq, other.State.HighestModSeq);
        Assert.Equal(cold.State.Messages.Select(m => (m.Uid, m.Key, m.Flags)), other.State.Messages.Select(m => (m.Uid, m.Key, m.Flags)));
        Assert.Equal(MessageFlags.Flagged, other.State.Messages[^1].Flags);
    }

    [Fact]
    public async Task Concurrent_first_opens_of_a_large_folder_agree_and_release_the_lock()
    {
        using var maildir = new IndexTestMaildir();
        var newDirectory = Path.Combine(maildir.UserPath, "new");
        for (var i = 0; i < LargeFolder; i++)
        {
            File.WriteAllText(Path.Combine(newDirectory, $"{1_700_000_000 + i}.M{i}P1Q1.host,S=20"), "Subject: x\r\n\r\nbody\r\n");
        }

        var mailbox = maildir.Mailbox;
        var opens = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => mailbox.OpenFolderAsync("INBOX"))));
        var state = await opens[0].SyncAsync();

        Assert.All(opens, folder => Assert.Same(opens[0], folder));
        Assert.Equal(LargeFolder, state.Count);
        Assert.Equal((uint)LargeFolder + 1, state.UidNext);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var expunged = await opens[0].ExpungeAsync(null, timeout.Token);
        Assert.Empty(expunged);
        Assert.False(File.Exists(Path.Combine(maildir.UserPath, "dovecot-uidlist.lock")));
    }
}
