using System.Collections.Concurrent;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// A facteur-index base written as the batch of this process's own STORE/EXPUNGE/APPEND (a compaction) stands for
/// mod-sequences already announced in the reply: its rename must be durable before the reply (the folder's directory
/// fsynced after it), or a crash could bring back the previous base with a lower HIGHESTMODSEQ (RFC 7162 §3.1.1).
/// </summary>
[Collection(FsyncHookCollection.Name)]
public sealed class IndexBaseDurabilityTests : IDisposable
{
    private readonly IndexTestMaildir maildir = new();
    private readonly ConcurrentQueue<string> folderFsyncs = new();
    private readonly string indexPath;

    public IndexBaseDurabilityTests()
    {
        var folder = Path.GetFullPath(maildir.UserPath);
        indexPath = Path.Combine(folder, FolderIndexFile.FileName);
        DirectorySync.BeforeFsync = directory =>
        {
            if (Path.GetFullPath(directory) == folder)
            {
                folderFsyncs.Enqueue($"G{FolderIndexFile.ReadGeneration(indexPath)}");
            }
        };
    }

    public void Dispose()
    {
        DirectorySync.BeforeFsync = null;
        maildir.Dispose();
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
        folderFsyncs.Clear();

        await inbox.ExpungeAsync(); // 70 X records: more than the log takes, a new base instead

        var generation = FolderIndexFile.ReadGeneration(indexPath);
        Assert.NotEqual(first, generation);
        Assert.Contains($"G{generation}", folderFsyncs); // the folder's directory fsynced after the new base's rename
    }
}
