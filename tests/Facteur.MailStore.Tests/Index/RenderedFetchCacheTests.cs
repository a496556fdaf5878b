using System.Text;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>Rendered FETCH items in facteur-cache: kept across processes, versioned, tied to the message they were rendered from.</summary>
public sealed class RenderedFetchCacheTests
{
    private static RenderedFetchItems Items(string format, string tag) =>
        new(format, Encoding.ASCII.GetBytes($"(\"env {tag}\")"), Encoding.ASCII.GetBytes($"(\"body {tag}\")"), Encoding.UTF8.GetBytes($"(\"structure {tag} é\")"));

    [Fact]
    public async Task Rendered_items_are_served_at_once_and_by_another_replica_after_the_next_locked_operation()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        maildir.Deliver(IndexTestMaildir.Message("b"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var second = inbox.State.Messages[1];

        inbox.CacheRenderedFetchItems(second, Items("imap 1", "b"));
        using (var reader = inbox.OpenRenderedFetchReader("imap 1"))
        {
            Assert.Equal(Items("imap 1", "b").BodyStructure, reader.Get(second)!.BodyStructure);
            Assert.Null(reader.Get(inbox.State.Messages[0]));
        }

        await inbox.FlushSummariesAsync(); // what a FETCH learned is written by the delayed flush (PendingFlushDelay), or by the next locked operation
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        using var otherReader = other.OpenRenderedFetchReader("imap 1");
        var read = otherReader.Get(other.State.Messages[1]);

        Assert.NotNull(read);
        Assert.Equal(Items("imap 1", "b").Envelope, read.Envelope);
        Assert.Equal(Items("imap 1", "b").Body, read.Body);
        Assert.Equal(Items("imap 1", "b").BodyStructure, read.BodyStructure);
    }

    [Fact]
    public async Task Items_rendered_in_another_format_read_as_a_miss()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        inbox.CacheRenderedFetchItems(inbox.State.Messages[0], Items("imap 1", "a"));
        await inbox.FlushSummariesAsync(); // what a FETCH learned is written by the delayed flush (PendingFlushDelay), or by the next locked operation

        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        using var reader = other.OpenRenderedFetchReader("imap 2");

        Assert.Null(reader.Get(other.State.Messages[0]));
    }

    [Fact]
    public async Task A_cache_file_of_an_older_version_is_started_afresh_and_never_misread()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var cachePath = Path.Combine(maildir.UserPath, "facteur-cache");
        await File.WriteAllTextAsync(cachePath, "somekey\t{\"old\":1}\n");

        inbox.CacheRenderedFetchItems(inbox.State.Messages[0], Items("imap 1", "a"));
        await inbox.FlushSummariesAsync(); // what a FETCH learned is written by the delayed flush (PendingFlushDelay), or by the next locked operation

        Assert.StartsWith("facteur-cache 2\n", await File.ReadAllTextAsync(cachePath));
        Assert.DoesNotContain("somekey", await File.ReadAllTextAsync(cachePath));
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        using var reader = other.OpenRenderedFetchReader("imap 1");
        Assert.Equal(Items("imap 1", "a").Envelope, reader.Get(other.State.Messages[0])!.Envelope);
    }

    [Fact]
    public async Task Cached_items_are_not_given_to_another_message_with_the_same_uid_after_a_rebuild()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("a"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        inbox.CacheRenderedFetchItems(inbox.State.Messages[0], Items("imap 1", "a"));
        await inbox.SyncAsync();

        // The uidlist is lost and the file replaced: UID 1 is now another message (new UIDVALIDITY).
        File.Delete(first);
        File.Delete(Path.Combine(maildir.UserPath, "dovecot-uidlist"));
        maildir.Deliver(IndexTestMaildir.Message("other"));
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        using var reader = other.OpenRenderedFetchReader("imap 1");

        Assert.Single(other.State.Messages);
        Assert.Null(reader.Get(other.State.Messages[0]));
    }
}
