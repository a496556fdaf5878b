using System.Text.RegularExpressions;
using Facteur.MailStore.Index;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// What a FETCH learns from a file (its size here) is a cache of the file: the sync IMAP runs after the
/// command does not take the folder's lock to write it, and a delayed flush writes it without any further
/// operation, once the lock is free.
/// </summary>
public sealed class PendingFlushTests
{
    [Fact]
    public async Task A_sync_after_a_first_read_takes_no_lock_and_the_delayed_flush_writes_the_size_once_the_lock_is_free()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Options.LockTimeout = TimeSpan.FromMilliseconds(300);
        maildir.Deliver("Subject: a\n\nbare lf\n"); // no W= in the name: the size comes from reading the file
        var crlfSize = "Subject: a\r\n\r\nbare lf\r\n".Length;
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        await Task.Delay(TimeSpan.FromSeconds(2.2)); // the directories' times settle
        await inbox.SyncAsync(); // records the settled stamp

        // Another live process holds the folder's lock.
        var lockPath = Path.Combine(maildir.UserPath, "dovecot-uidlist.lock");
        await File.WriteAllTextAsync(lockPath, $"{Environment.ProcessId}:{Environment.MachineName}");
        try
        {
            Assert.Equal(crlfSize, inbox.State.Messages[0].Size); // read now, not written yet
            var state = await inbox.SyncAsync().WaitAsync(TimeSpan.FromSeconds(5)); // no InUse: no lock asked for
            Assert.Single(state.Messages);
            Assert.False(IndexHoldsSize(maildir, crlfSize));
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the delayed flush meets the lock and keeps the size
            Assert.False(IndexHoldsSize(maildir, crlfSize));
        }
        finally
        {
            File.Delete(lockPath);
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!IndexHoldsSize(maildir, crlfSize) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(IndexHoldsSize(maildir, crlfSize), "the size read on first use never reached facteur-index");
    }

    [Fact]
    public async Task The_delayed_flush_does_not_bring_back_a_maildir_removed_under_it()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver("Subject: a\n\nbare lf\n"); // no W= in the name: reading the size leaves it pending
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        Assert.Equal("Subject: a\r\n\r\nbare lf\r\n".Length, inbox.State.Messages[0].Size);

        Directory.Delete(maildir.UserPath, recursive: true); // the administrator removes the user's Maildir
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // past the flush delay (one second)

        Assert.False(Directory.Exists(maildir.UserPath), "the pending flush recreated the removed Maildir");
    }

    /// <summary>True when the index base or its log records message 1 with <paramref name="size"/> (their third field).</summary>
    private static bool IndexHoldsSize(IndexTestMaildir maildir, int size)
    {
        var text = string.Concat(
            ReadShared(Path.Combine(maildir.UserPath, "facteur-index")),
            ReadShared(Path.Combine(maildir.UserPath, "facteur-index.log")));
        return Regex.IsMatch(text, $@"^(E )?1 \d+ {size} ", RegexOptions.Multiline);
    }

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
