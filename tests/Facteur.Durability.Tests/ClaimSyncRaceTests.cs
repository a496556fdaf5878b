using System.Text;
using Facteur.SmtpGateway.Intake;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Durability.Tests;

/// <summary>
/// Over RabbitMQ a large message's claim is fsynced while the broker stores and confirms the
/// message. A delivery worker can deliver it and delete the claim before that fsync runs; the
/// fsync goes through the gateway's open handle, so this must still end in one 250 and one copy
/// (an fsync that reopened the claim by path answered 451 here, and the client's resend was a
/// duplicate). The race is made to happen on demand with the intake's BeforeClaimSync seam.
/// </summary>
public sealed class ClaimSyncRaceTests : IAsyncLifetime
{
    private readonly TempRoot root = new();
    private readonly string prefix = TestBroker.NewPrefix();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        root.Dispose();
        await TestBroker.DeleteEntitiesAsync(prefix);
    }

    private static byte[] Large(string subject)
    {
        var text = new StringBuilder($"Received: from client by mx.esp.sn\r\nSubject: {subject}\r\n\r\n");
        for (var i = 0; i < 20_000; i++)
        {
            text.Append("line ").Append(i).Append(" of the body\r\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static string NewQueueId() => "Q" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private HostSetup Gateway() => new() { Root = root.Path, Intake = true, Broker = TestBroker.Url, Prefix = prefix };

    private HostSetup Worker() => new()
    {
        Root = root.Path,
        Delivery = true,
        Broker = TestBroker.Url,
        Prefix = prefix,
        Resolver = new Users("alice@esp.sn"),
    };

    [Fact]
    public async Task A_claim_delivered_and_deleted_before_the_gateways_fsync_still_gets_250_and_lands_once()
    {
        await using var worker = await TestHost.StartAsync(Worker());
        await using var gateway = await TestHost.StartAsync(Gateway());
        var intake = gateway.Services.GetRequiredService<MailIntake>();
        var content = Large("delivered before its claim's fsync");
        Assert.True(content.Length > gateway.Setup.InlineThreshold);
        var queueId = NewQueueId();
        string? deletedBeforeSync = null;
        intake.BeforeClaimSync = async claimPath =>
        {
            // Hold the fsync until the worker has delivered the message and deleted its claim.
            await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1 && !File.Exists(claimPath), TimeSpan.FromSeconds(30), "delivery to delete the claim");
            deletedBeforeSync = claimPath;
        };

        // Throws MailIntakeUnavailableException (the session's 451) if the fsync failed.
        await gateway.SendAsync(queueId, ["alice@esp.sn"], content);

        Assert.NotNull(deletedBeforeSync);
        Assert.False(File.Exists(deletedBeforeSync));
        var file = Assert.Single(worker.Files("alice@esp.sn"));
        Assert.Contains(queueId, Path.GetFileName(file), StringComparison.Ordinal);
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.True(bytes.AsSpan(bytes.Length - content.Length).SequenceEqual(content));
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Claims));
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));
        Assert.False(File.Exists(gateway.Spool.EnvelopePath(queueId)), "accepted as confirmed, not kept as unconfirmed");
    }

    [Fact]
    public async Task A_claim_is_whole_under_its_final_name_before_the_broker_has_its_address()
    {
        await using var gateway = await TestHost.StartAsync(Gateway());
        var intake = gateway.Services.GetRequiredService<MailIntake>();
        var content = Large("whole before the publish");
        var queueId = NewQueueId();
        var seen = false;
        intake.BeforeClaimSync = claimPath =>
        {
            // Runs beside the publish, before the claim's fsync: the name and every octet are
            // already there (the rename came first), so a worker could read it now.
            Assert.True(Facteur.Hosting.Bus.SpoolTrailer.TryVerify(claimPath, out var layout, out _, out _), "the claim is not whole before its fsync");
            Assert.Equal(content.Length, layout.MessageLength);
            Assert.False(File.Exists(gateway.Spool.MessagePath(queueId)), "still in incoming/");
            seen = true;
            return Task.CompletedTask;
        };

        await gateway.SendAsync(queueId, ["alice@esp.sn"], content);

        Assert.True(seen);
        Assert.Single(Directory.EnumerateFiles(gateway.Spool.Claims));
    }
}
