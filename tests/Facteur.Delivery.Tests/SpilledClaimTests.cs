using System.Text;
using Facteur.Contracts;
using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Delivery.Tests;

/// <summary>
/// A large message's claim is the file the gateway spilled it into (format 2: message, header
/// prefix, footer with a hash), created in claims/ under its final name and fsynced (through the
/// gateway's open handle) while the broker stores the message. A crash before that fsync completed can leave the broker a message
/// whose claim is cut short; its client got no 250 and sends it again, so delivery must never
/// deliver such a body.
/// </summary>
public class SpilledClaimTests
{
    private const string Prefix = "Authentication-Results: mx.esp.sn; none\r\n";

    private static readonly byte[] Payload =
        Encoding.ASCII.GetBytes("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat("0123456789abcdef\r\n", 8_000)));

    private static string NewQueueId() => "Q" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    /// <summary>What the gateway leaves in claims/ for a large message: the file it spilled into, with the trailer.</summary>
    private static async Task<(MessageData<Stream> Content, string Path)> SpillAsync(ClaimCheckRepository claims, MailSpool spool, string queueId)
    {
        spool.EnsureCreated();
        var path = claims.SpillPath(queueId);
        using var hash = SpoolTrailer.NewHash();
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            await file.WriteAsync(Payload);
            hash.AppendData(Payload);
            await SpoolTrailer.AppendAsync(file, Payload.Length, Encoding.ASCII.GetBytes(Prefix), ReadOnlyMemory<byte>.Empty, hash, CancellationToken.None);
        }

        return (claims.ForSpilled(queueId), path);
    }

    private static MailReceived Message(string queueId, MessageData<Stream> content) => new()
    {
        QueueId = queueId,
        ReversePath = "sender@example.org",
        Recipients = ["alice@esp.sn"],
        ReceivedAt = DateTimeOffset.UtcNow,
        Size = Prefix.Length + Payload.Length,
        LargeContent = content,
    };

    [Fact]
    public async Task A_whole_spilled_claim_is_delivered_as_prefix_then_message_and_deleted()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"), inlineThreshold: 1024);
        var claims = host.Services.GetRequiredService<ClaimCheckRepository>();
        var queueId = NewQueueId();
        var (content, _) = await SpillAsync(claims, host.Services.GetRequiredService<MailSpool>(), queueId);

        await host.PublishAsync(Message(queueId, content));
        await host.Observed.WaitForOutcomeAsync(queueId);

        Assert.Empty(host.Observed.Faults);
        var bytes = await File.ReadAllBytesAsync(Assert.Single(host.Files("alice@esp.sn")));
        var expected = Encoding.ASCII.GetBytes(Prefix).Concat(Payload).ToArray();
        Assert.True(bytes.AsSpan(bytes.Length - expected.Length).SequenceEqual(expected));
        Assert.False(claims.Exists(content.Address));
    }

    [Fact]
    public async Task A_spilled_claim_whose_directory_entry_a_crash_lost_faults_at_once_as_bad_message_data()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"), inlineThreshold: 1024);
        var claims = host.Services.GetRequiredService<ClaimCheckRepository>();
        var queueId = NewQueueId();
        var (content, path) = await SpillAsync(claims, host.Services.GetRequiredService<MailSpool>(), queueId);
        File.Delete(path);

        await host.PublishAsync(Message(queueId, content));
        await host.Observed.WaitForOutcomeAsync(queueId);

        var fault = Assert.Single(host.Observed.Faults);
        Assert.IsType<MessageDataException>(fault.Error, exactMatch: false);
        Assert.Empty(host.Files("alice@esp.sn"));
        Assert.DoesNotContain(queueId, host.Observed.Consumed);
    }

    [Theory]
    [InlineData(0)] // the name reached the disk, none of the data
    [InlineData(4096)] // part of the message, no footer
    [InlineData(-1)] // every octet, one block of them never written (zeros where data was)
    public async Task A_spilled_claim_cut_short_by_a_crash_is_never_delivered_and_faults_as_bad_message_data(int keep)
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"), inlineThreshold: 1024);
        var claims = host.Services.GetRequiredService<ClaimCheckRepository>();
        var queueId = NewQueueId();
        var (content, path) = await SpillAsync(claims, host.Services.GetRequiredService<MailSpool>(), queueId);
        if (keep >= 0)
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
            file.SetLength(keep);
        }
        else
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
            file.Position = 4096;
            file.Write(new byte[4096]);
        }

        await host.PublishAsync(Message(queueId, content));
        await host.Observed.WaitForOutcomeAsync(queueId);

        var fault = Assert.Single(host.Observed.Faults);
        Assert.Equal(queueId, fault.QueueId);
        Assert.IsType<MessageDataException>(fault.Error, exactMatch: false);
        Assert.Empty(host.Files("alice@esp.sn"));
        Assert.Empty(host.Files("alice@esp.sn", "tmp"));
        Assert.DoesNotContain(queueId, host.Observed.Consumed);
        Assert.True(claims.Exists(content.Address)); // left for the _error queue's reader and the sweeper
    }
}
