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
    public async Task Commit_writes_the_message_and_its_envelope_as_one_spool_file_before_returning()
    {
        // No delivery in this host: the in-memory bus drops the message, as a crash would.
        await using var gateway = await TestHost.StartAsync(Standalone(delivery: false));

        await gateway.SendAsync("QSPOOL1", ["alice@esp.sn"], Message("one"));

        var path = gateway.Spool.MessagePath("QSPOOL1");
        Assert.True(SpoolTrailer.TryVerify(path, out var layout, out var prefix, out var json));
        Assert.Empty(prefix);
        Assert.Equal(Message("one"), (await File.ReadAllBytesAsync(path))[..(int)layout.MessageLength]);
        var envelope = SpoolEnvelope.FromJson(json);
        Assert.Equal(["alice@esp.sn"], envelope.Recipients);
        Assert.Equal(Message("one").Length, envelope.Size);
        Assert.False(File.Exists(gateway.Spool.EnvelopePath("QSPOOL1")));
        Assert.Equal(["QSPOOL1.eml"], Directory.EnumerateFiles(gateway.Spool.Incoming).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_spool_file_cut_short_or_altered_is_not_a_committed_entry()
    {
        await using (var gateway = await TestHost.StartAsync(Standalone(delivery: false)))
        {
            await gateway.SendAsync("QTORN1", ["alice@esp.sn"], Message("torn"));
            await gateway.SendAsync("QFLIP1", ["alice@esp.sn"], Message("flipped"));
            await gateway.SendAsync("QGOOD1", ["bob@esp.sn"], Message("good"));
        }

        var spool = new MailSpool(Path.Combine(root.Path, "spool"));
        var torn = spool.MessagePath("QTORN1");
        var bytes = await File.ReadAllBytesAsync(torn);
        await File.WriteAllBytesAsync(torn, bytes[..^1]);
        var flipped = spool.MessagePath("QFLIP1");
        bytes = await File.ReadAllBytesAsync(flipped);
        bytes[10] ^= 0x20; // a message octet the disk lost: the footer is there, the hash no longer matches
        await File.WriteAllBytesAsync(flipped, bytes);
        Assert.False(SpoolTrailer.TryVerify(torn, out _, out _, out _));
        Assert.False(SpoolTrailer.TryVerify(flipped, out _, out _, out _));
        File.SetLastWriteTimeUtc(torn, DateTime.UtcNow.AddDays(-1));
        File.SetLastWriteTimeUtc(flipped, DateTime.UtcNow.AddDays(-1));

        await using var restarted = await TestHost.StartAsync(Standalone(delivery: true));
        await Wait.UntilAsync(() => !Directory.EnumerateFiles(restarted.Spool.Incoming).Any(), TimeSpan.FromSeconds(30), "the spool to drain");

        // Only the intact entry is delivered; the others never got a 250 and are removed as orphans.
        Assert.Empty(restarted.Files("alice@esp.sn"));
        Assert.Single(restarted.Files("bob@esp.sn"));
    }

    [Fact]
    public async Task A_format_one_entry_left_by_an_earlier_version_is_still_delivered()
    {
        var spool = new MailSpool(Path.Combine(root.Path, "spool"));
        spool.EnsureCreated();
        var entry = new SpoolEnvelope
        {
            QueueId = "QOLD1",
            ReversePath = "old@example.org",
            Recipients = ["alice@esp.sn"],
            ReceivedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
            Size = Message("old").Length + "X-Old: 1\r\n".Length,
            HeaderPrefix = "X-Old: 1\r\n",
        };
        await File.WriteAllBytesAsync(spool.MessagePath("QOLD1"), Message("old"));
        await File.WriteAllBytesAsync(spool.EnvelopePath("QOLD1"), entry.ToJson());

        await using var host = await TestHost.StartAsync(Standalone(delivery: true));
        await Wait.UntilAsync(() => !Directory.EnumerateFiles(host.Spool.Incoming).Any(), TimeSpan.FromSeconds(30), "the spool to drain");

        var copy = await File.ReadAllTextAsync(Assert.Single(host.Files("alice@esp.sn")));
        Assert.EndsWith("X-Old: 1\r\n" + Encoding.ASCII.GetString(Message("old")), copy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entries_left_by_a_crash_are_delivered_exactly_once_after_restart()
    {
        await using (var crashed = await TestHost.StartAsync(Standalone(delivery: false)))
        {
            await crashed.SendAsync("QCRASH1", ["alice@esp.sn", "bob@esp.sn"], Message("first"));
            await crashed.SendAsync("QCRASH2", ["bob@esp.sn"], Message("large", bodyLines: 2000));
            await crashed.SendAsync("QCRASH3", ["alice@esp.sn"], Message("third"));
            Assert.Equal(3, Directory.EnumerateFiles(crashed.Spool.Incoming, "*.eml").Count(f => SpoolTrailer.TryVerify(f, out _, out _, out _)));
        }

        // QCRASH1 had reached alice's Maildir (and been read by IMAP) before the crash, not bob's.
        var spool = new MailSpool(Path.Combine(root.Path, "spool"));
        Assert.True(SpoolTrailer.TryVerify(spool.MessagePath("QCRASH1"), out _, out _, out var json));
        var entry = SpoolEnvelope.FromJson(json);
        var writer = new MaildirWriter(Path.Combine(root.Path, "mail"), "mx.esp.sn");
        await using (var body = SpoolTrailer.OpenContent(spool.MessagePath("QCRASH1"), formatTwo: true))
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

        Assert.Equal(1, host.Sweeper.Sweep());

        Assert.True(claims.Exists(fresh));
        Assert.False(claims.Exists(stale));
    }
}
