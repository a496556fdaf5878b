using System.Text;
using Facteur.Hosting.Bus;
using Facteur.MailStore;
using Facteur.SmtpGateway.Intake;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Durability.Tests;

/// <summary>The standalone host's spool (in-memory bus): a crash between 250 and delivery loses nothing and duplicates nothing.</summary>
public sealed class StandaloneSpoolTests : IDisposable
{
    private readonly TempRoot root = new();

    public void Dispose() => root.Dispose();

    private static byte[] Message(string subject, int bodyLines = 2) =>
        Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\n" + string.Concat(Enumerable.Repeat("some body text\r\n", bodyLines)));

    private HostSetup Standalone(bool delivery) => new()
    {
        Root = root.Path,
        Intake = true,
        Delivery = delivery,
        Resolver = new Users("alice@esp.sn", "bob@esp.sn"),
    };

    [Fact]
    public async Task Commit_fsyncs_the_message_and_its_envelope_as_a_spool_entry_before_returning()
    {
        // No delivery in this host: the in-memory bus drops the message, as a crash would.
        await using var gateway = await TestHost.StartAsync(Standalone(delivery: false));

        await gateway.SendAsync("QSPOOL1", ["alice@esp.sn"], Message("one"));

        Assert.Equal(Message("one"), await File.ReadAllBytesAsync(gateway.Spool.MessagePath("QSPOOL1")));
        var envelope = SpoolEnvelope.FromJson(await File.ReadAllBytesAsync(gateway.Spool.EnvelopePath("QSPOOL1")));
        Assert.Equal(["alice@esp.sn"], envelope.Recipients);
        Assert.Equal(Message("one").Length, envelope.Size);
        Assert.Equal(["QSPOOL1"], gateway.Spool.CommittedQueueIds());
    }

    [Fact]
    public async Task Entries_left_by_a_crash_are_delivered_exactly_once_after_restart()
    {
        await using (var crashed = await TestHost.StartAsync(Standalone(delivery: false)))
        {
            await crashed.SendAsync("QCRASH1", ["alice@esp.sn", "bob@esp.sn"], Message("first"));
            await crashed.SendAsync("QCRASH2", ["bob@esp.sn"], Message("large", bodyLines: 2000));
            await crashed.SendAsync("QCRASH3", ["alice@esp.sn"], Message("third"));
            Assert.Equal(3, crashed.Spool.CommittedQueueIds().Count());
        }

        // QCRASH1 had reached alice's Maildir (and been read by IMAP) before the crash, not bob's.
        var spool = new MailSpool(Path.Combine(root.Path, "spool"));
        var entry = SpoolEnvelope.FromJson(await File.ReadAllBytesAsync(spool.EnvelopePath("QCRASH1")));
        var writer = new MaildirWriter(Path.Combine(root.Path, "mail"), "mx.esp.sn");
        await using (var body = File.OpenRead(spool.MessagePath("QCRASH1")))
        {
            var early = await writer.DeliverAsync(new MaildirCopy
            {
                Mailbox = "alice@esp.sn",
                QueueId = entry.QueueId,
                ReceivedAt = entry.ReceivedAt,
                ReversePath = entry.ReversePath,
            }, body);
            File.Move(early.Path, Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(early.Path))!, "cur", early.FileName + ":2,S"));
        }

        // A body whose transaction never completed (no envelope): it never got 250.
        var orphan = spool.MessagePath("QORPHAN");
        await File.WriteAllTextAsync(orphan, "partial");
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddDays(-1));

        await using var restarted = await TestHost.StartAsync(Standalone(delivery: true));
        // Delivery removes the envelope, then the body: wait for both.
        await Wait.UntilAsync(() => !Directory.EnumerateFiles(restarted.Spool.Incoming).Any(), TimeSpan.FromSeconds(30), "the spool to drain");

        Assert.Single(restarted.Files("alice@esp.sn"));
        Assert.Single(restarted.Files("alice@esp.sn", "cur"));
        Assert.Equal(2, restarted.Files("bob@esp.sn").Length);
        Assert.False(File.Exists(orphan));
        var large = restarted.Files("bob@esp.sn").Select(File.ReadAllBytes).Single(b => b.Length > 4096);
        Assert.True(large.AsSpan(large.Length - Message("large", 2000).Length).SequenceEqual(Message("large", 2000)));

        // Nothing is re-published a second time.
        Assert.Equal(0, await restarted.Services.GetRequiredService<SpoolRecovery>().RecoverAsync(CancellationToken.None));
    }

    [Fact]
    public async Task In_the_running_standalone_host_delivery_empties_the_spool_entry()
    {
        await using var host = await TestHost.StartAsync(Standalone(delivery: true));

        await host.SendAsync("QLIVE1", ["alice@esp.sn"], Message("live"));

        await Wait.UntilAsync(() => host.Files("alice@esp.sn").Length == 1, TimeSpan.FromSeconds(20), "the copy");
        await Wait.UntilAsync(() => !Directory.EnumerateFiles(host.Spool.Incoming).Any(), TimeSpan.FromSeconds(20), "the spool entry to go");
    }

    [Fact]
    public async Task A_message_disposed_without_commit_leaves_no_spool_file()
    {
        await using var host = await TestHost.StartAsync(Standalone(delivery: false));
        var intake = host.Services.GetRequiredService<IMailIntake>();

        await using (var message = await intake.BeginAsync("QABORT1", CancellationToken.None))
        {
            await message.Content.WriteAsync(Message("aborted"));
            Assert.True(File.Exists(host.Spool.MessagePath("QABORT1")));
        }

        Assert.False(File.Exists(host.Spool.MessagePath("QABORT1")));
    }

    [Fact]
    public async Task Queue_ids_that_are_not_alphanumeric_are_refused_before_touching_the_disk()
    {
        await using var host = await TestHost.StartAsync(Standalone(delivery: false));
        var intake = host.Services.GetRequiredService<IMailIntake>();

        await Assert.ThrowsAsync<ArgumentException>(async () => await intake.BeginAsync("../QX", CancellationToken.None));
        Assert.Empty(Directory.EnumerateFiles(host.Spool.Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_sweeper_removes_only_claims_older_than_the_retention()
    {
        await using var host = await TestHost.StartAsync(Standalone(delivery: false));
        var claims = host.Services.GetRequiredService<ClaimCheckRepository>();
        var fresh = await claims.Put(new MemoryStream(Message("fresh")));
        var stale = await claims.Put(new MemoryStream(Message("stale")));
        File.SetLastWriteTimeUtc(claims.PathOf(stale), DateTime.UtcNow.AddDays(-30));
        var sweeper = host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ClaimSweeper>().Single();

        Assert.Equal(1, sweeper.Sweep());

        Assert.True(claims.Exists(fresh));
        Assert.False(claims.Exists(stale));
    }
}
