using Facteur.Hosting.Bus;

namespace Facteur.Hosting.Tests;

public sealed class MailSpoolCompletionTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Completing_removes_the_envelope_then_syncs_incoming_then_removes_the_body()
    {
        var spool = new MailSpool(folder.Path);
        spool.EnsureCreated();
        await File.WriteAllTextAsync(spool.MessagePath("Q1"), "body");
        await File.WriteAllTextAsync(spool.EnvelopePath("Q1"), "{}");
        var synced = new List<(string Directory, bool EnvelopeGone, bool BodyThere)>();

        await spool.CompleteAsync("Q1", (directory, _) =>
        {
            synced.Add((directory, !File.Exists(spool.EnvelopePath("Q1")), File.Exists(spool.MessagePath("Q1"))));
            return Task.CompletedTask;
        }, CancellationToken.None);

        // The envelope's removal is durable before the body goes: a crash never leaves a half entry.
        Assert.Equal([(spool.Incoming, true, true)], synced);
        Assert.False(File.Exists(spool.MessagePath("Q1")));
        Assert.Empty(spool.CommittedQueueIds());
    }

    [Fact]
    public async Task Completing_an_entry_without_envelope_removes_the_body_without_an_fsync()
    {
        var spool = new MailSpool(folder.Path);
        spool.EnsureCreated();
        await File.WriteAllTextAsync(spool.MessagePath("Q2"), "body");
        var syncs = 0;

        await spool.CompleteAsync("Q2", (_, _) =>
        {
            syncs++;
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(0, syncs);
        Assert.False(File.Exists(spool.MessagePath("Q2")));
    }
}
