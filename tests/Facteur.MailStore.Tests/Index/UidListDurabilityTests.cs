using System.Collections.Concurrent;
using System.Text;
using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// A rewritten dovecot-uidlist is renamed into place; the rename is durable only once the folder's directory is
/// fsynced (POSIX). These tests look at the uidlist each time the folder's directory is fsynced, or an append to it
/// is flushed, and require that one of them saw the UIDs the operation then announced (RFC 3501 §2.3.1.1: a UID is
/// never given to another message under the same UIDVALIDITY, which a crash bringing back the previous list would do).
/// </summary>
[Collection(FsyncHookCollection.Name)]
public sealed class UidListDurabilityTests : IDisposable
{
    private readonly IndexTestMaildir maildir = new();
    private readonly ConcurrentQueue<string> listsAtFolderFsync = new();
    private readonly ConcurrentQueue<string> listsAtAppendFlush = new();

    public UidListDurabilityTests()
    {
        var folder = Path.GetFullPath(maildir.UserPath);
        DirectorySync.BeforeFsync = directory =>
        {
            if (Path.GetFullPath(directory) != folder)
            {
                return; // another test's folder
            }

            var list = Path.Combine(folder, "dovecot-uidlist");
            listsAtFolderFsync.Enqueue(File.Exists(list) ? File.ReadAllText(list) : "");
        };
        UidListDocument.AfterAppendFlush = path =>
        {
            if (Path.GetFullPath(path) == Path.Combine(folder, "dovecot-uidlist"))
            {
                listsAtAppendFlush.Enqueue(File.ReadAllText(path));
            }
        };
    }

    public void Dispose()
    {
        DirectorySync.BeforeFsync = null;
        UidListDocument.AfterAppendFlush = null;
        maildir.Dispose();
    }

    [Fact]
    public async Task A_first_sync_makes_the_new_uidlist_durable_before_the_folder_is_returned()
    {
        for (var i = 0; i < 3; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m{i}"));
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        Assert.Equal(3, inbox.State.Messages.Count);
        var keys = inbox.State.Messages.Select(m => (m.Uid, Key: m.FileName.Split(':')[0])).ToList();
        Assert.Contains(listsAtFolderFsync, list => keys.All(k => ListsUid(list, k.Uid, k.Key)));
    }

    [Fact]
    public async Task An_append_makes_its_uid_durable_before_it_is_returned()
    {
        maildir.Deliver(IndexTestMaildir.Message("existing"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        var result = await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message("appended"))), new AppendRequest());

        // Appended to the list the first sync wrote (no rename): durable with the append's own flush.
        var key = inbox.State.FindByUid(result.Uid)!.FileName.Split(':')[0];
        Assert.Contains(listsAtAppendFlush, list => ListsUid(list, result.Uid, key));
    }

    [Fact]
    public async Task An_append_to_a_list_it_must_rewrite_makes_its_uid_durable_before_it_is_returned()
    {
        var first = maildir.Deliver(IndexTestMaildir.Message("existing"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        // Another program rewrites the list (as version 1): it is read whole and written whole, by a rename.
        File.WriteAllText(Path.Combine(maildir.UserPath, "dovecot-uidlist"),
            $"1 {inbox.State.UidValidity} 2\n1 {first.Split('/')[^1]}\n");

        var result = await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message("appended"))), new AppendRequest());

        var key = inbox.State.FindByUid(result.Uid)!.FileName.Split(':')[0];
        Assert.Contains(listsAtFolderFsync, list => ListsUid(list, result.Uid, key) && list.StartsWith("3 ", StringComparison.Ordinal));
    }

    // A dovecot-uidlist record line: "<uid> [extensions] :<key>" (Dovecot's format, version 3).
    private static bool ListsUid(string list, uint uid, string key) =>
        list.Split('\n').Any(line => line.StartsWith(uid + " ", StringComparison.Ordinal) && line.EndsWith(":" + key, StringComparison.Ordinal));
}
