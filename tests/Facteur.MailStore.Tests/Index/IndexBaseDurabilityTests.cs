using System.Collections.Concurrent;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// A sync's facteur-index base (the first sync's holds every message) is written without its fsync, as Dovecot
/// writes its index: a crash may leave it torn, which must read as corrupt and be rebuilt; and the log's F records
/// carry mod-sequences that must never go back (RFC 7162 §3.1.1), so the base is made durable — file, then its
/// directory for the rename — before the first fsynced log batch that extends it.
/// </summary>
[Collection(FsyncHookCollection.Name)]
public sealed class IndexBaseDurabilityTests : IDisposable
{
    private readonly IndexTestMaildir maildir = new();
    private readonly ConcurrentQueue<string> fsyncs = new();
    private readonly string folder;
    private readonly string indexPath;

    public IndexBaseDurabilityTests()
    {
        folder = Path.GetFullPath(maildir.UserPath);
        indexPath = Path.Combine(folder, FolderIndexFile.FileName);
        FolderIndexFile.BeforeBaseFsync = path =>
        {
            if (Path.GetFullPath(path) == indexPath)
            {
                fsyncs.Enqueue($"base G{FolderIndexFile.ReadGeneration(indexPath)}");
            }
        };
        DirectorySync.BeforeFsync = directory =>
        {
            if (Path.GetFullPath(directory) == folder)
            {
                fsyncs.Enqueue($"folder G{FolderIndexFile.ReadGeneration(indexPath)}");
            }
        };
        FolderIndexLog.BeforeFsync = path =>
        {
            if (Path.GetFullPath(path) == indexPath)
            {
                fsyncs.Enqueue($"log G{FolderIndexLog.ReadGeneration(indexPath)}");
            }
        };
    }

    public void Dispose()
    {
        FolderIndexFile.BeforeBaseFsync = null;
        DirectorySync.BeforeFsync = null;
        FolderIndexLog.BeforeFsync = null;
        maildir.Dispose();
    }

    [Fact]
    public async Task The_first_sync_base_is_made_durable_before_the_first_fsynced_log_batch_that_extends_it()
    {
        for (var i = 0; i < 5; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"));
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var generation = FolderIndexFile.ReadGeneration(indexPath);
        Assert.DoesNotContain(fsyncs, f => f.StartsWith("base", StringComparison.Ordinal)); // the SELECT did not wait for it

        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Flagged, []));

        var order = fsyncs.ToList();
        var log = order.IndexOf($"log G{generation}");
        Assert.True(log >= 0, $"the STORE's batch extends the first sync's base: {string.Join(", ", order)}");
        var fsynced = order.IndexOf($"base G{generation}");
        Assert.True(fsynced >= 0 && fsynced < log, $"base fsynced before the log batch: {string.Join(", ", order)}");
        Assert.True(order.IndexOf($"folder G{generation}", fsynced) is var directory && directory > fsynced && directory < log,
            $"and its directory (the rename) too: {string.Join(", ", order)}");

        fsyncs.Clear();
        await inbox.UpdateFlagsAsync(new FlagChange([3u], FlagChangeMode.Add, MessageFlags.Flagged, []));
        Assert.DoesNotContain(fsyncs, f => f.StartsWith("base", StringComparison.Ordinal)); // once per base
    }

    [Fact]
    public async Task A_base_read_from_disk_is_made_durable_before_this_process_fsyncs_a_batch_that_extends_it()
    {
        // Another replica may have written it without its fsync: this process cannot tell, so it fsyncs it once.
        for (var i = 0; i < 3; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"));
        }

        await maildir.Mailbox.OpenFolderAsync("INBOX");
        var generation = FolderIndexFile.ReadGeneration(indexPath);
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        fsyncs.Clear();

        await other.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.Seen, []));

        var order = fsyncs.ToList();
        Assert.True(order.IndexOf($"base G{generation}") is var fsynced and >= 0 && fsynced < order.IndexOf($"log G{generation}"),
            string.Join(", ", order));
    }

    [Fact]
    public async Task A_base_written_for_an_expunge_is_durable_with_its_rename_before_the_reply()
    {
        for (var i = 0; i < 70; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"), info: "T"); // \Deleted
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var first = FolderIndexFile.ReadGeneration(indexPath);
        fsyncs.Clear();

        await inbox.ExpungeAsync(); // 70 X records: more than the log takes, a new base instead

        var generation = FolderIndexFile.ReadGeneration(indexPath);
        Assert.NotEqual(first, generation);
        Assert.Contains($"folder G{generation}", fsyncs); // the new base's rename, not only its content
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("last line lost")]
    [InlineData("last line cut")]
    [InlineData("header only")]
    public async Task A_torn_base_is_rejected_and_rebuilt_with_higher_mod_sequences(string tear)
    {
        for (var i = 0; i < 5; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"), info: i == 1 ? "S" : "");
        }

        var before = (await maildir.Mailbox.OpenFolderAsync("INBOX")).State;
        var whole = await File.ReadAllTextAsync(indexPath);
        Assert.NotNull(FolderIndexFile.Read(indexPath));
        var torn = tear switch
        {
            "empty" => "",
            "last line lost" => whole[..(whole.TrimEnd('\n').LastIndexOf('\n') + 1)],
            "last line cut" => whole[..^4], // the file name's end and the line end: still parses as an entry
            _ => whole[..(whole.IndexOf('\n') + 1)],
        };
        await File.WriteAllTextAsync(indexPath, torn);

        Assert.Null(FolderIndexFile.Read(indexPath));
        var after = (await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX")).State;

        Assert.Equal(before.UidValidity, after.UidValidity);
        Assert.Equal(before.Messages.Select(m => (m.Uid, m.Key, m.Flags)), after.Messages.Select(m => (m.Uid, m.Key, m.Flags)));
        // Not the lost base's mod-sequences: the rebuild restarts above the clock, so none goes back or repeats.
        Assert.All(after.Messages, m => Assert.True(m.ModSeq > before.HighestModSeq, $"{m.ModSeq} > {before.HighestModSeq}"));
        Assert.NotNull(FolderIndexFile.Read(indexPath)); // whole again
    }

    [Fact]
    public async Task A_version_3_base_without_a_line_count_is_still_read()
    {
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "S");
        var before = (await maildir.Mailbox.OpenFolderAsync("INBOX")).State;
        var lines = await File.ReadAllLinesAsync(indexPath);
        var header = string.Join(' ', lines[0].Split(' ').Where(f => !f.StartsWith('N')).Select(f => f == "4" ? "3" : f));
        await File.WriteAllTextAsync(indexPath, string.Join('\n', [header, .. lines[1..]]) + "\n");

        var read = FolderIndexFile.Read(indexPath);

        Assert.NotNull(read);
        Assert.Equal(before.HighestModSeq, read.HighestModSeq);
        Assert.Equal(before.Messages.Select(m => m.Uid), read.Entries.Select(e => e.Uid));
    }
}

/// <summary>Tests that set the process-wide fsync hooks run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FsyncHookCollection
{
    public const string Name = "fsync hooks";
}
