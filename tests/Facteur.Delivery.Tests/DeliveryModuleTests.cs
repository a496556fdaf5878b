using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.MailStore;
using Facteur.MailStore.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Tests;

public class DeliveryModuleTests
{
    [Theory]
    [InlineData(FacteurTransport.RabbitMq, null, 32)]
    [InlineData(FacteurTransport.InMemory, null, 16)]
    [InlineData(FacteurTransport.RabbitMq, 8, 8)]
    [InlineData(FacteurTransport.InMemory, 48, 48)]
    public void A_worker_delivers_32_at_once_over_RabbitMQ_16_in_the_standalone_host_unless_configured(FacteurTransport transport, int? configured, int expected)
    {
        var definition = new MailReceivedConsumerDefinition(
            Options.Create(new DeliveryOptions { ConcurrentMessageLimit = configured }),
            Options.Create(new BusOptions()),
            Options.Create(new FacteurOptions { Transport = transport }));

        Assert.Equal(expected, definition.ConcurrentMessageLimit);
    }

    [Fact]
    public async Task Readiness_includes_a_mail_root_check_that_passes_on_a_writable_root()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn"));
        var registration = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations
            .Single(r => r.Name == MailRootWritableHealthCheck.Name);
        Assert.Contains("ready", registration.Tags);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == MailRootWritableHealthCheck.Name);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.True(Directory.Exists(host.MailRoot));
    }

    [Fact]
    public async Task The_writer_delivers_under_the_configured_mail_root_with_the_configured_hostname()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn"));
        var writer = host.Services.GetRequiredService<MaildirWriter>();

        Assert.Equal(Path.Combine(host.MailRoot, "esp.sn", "alice"), writer.MailboxDirectory("alice@esp.sn", null));
        var result = await writer.DeliverAsync(new MaildirCopy
        {
            Mailbox = "alice@esp.sn",
            QueueId = "QHOST1",
            ReceivedAt = DateTimeOffset.UtcNow,
            ReversePath = "",
        }, new MemoryStream("Subject: x\r\n\r\n"u8.ToArray()));
        Assert.Contains(".mx.esp.sn,S=", result.FileName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hosted_tmp_sweep_deletes_an_abandoned_tmp_file_and_keeps_a_fresh_one()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn"));
        var tmp = Path.Combine(host.MailRoot, "esp.sn", "alice", "tmp");
        Directory.CreateDirectory(tmp);
        var abandoned = Path.Combine(tmp, "1.M1P9Q1.mx.1234.1");
        var writing = Path.Combine(tmp, "2.M2P9Q2.mx.1234.2");
        File.WriteAllText(abandoned, "Subject: half");
        File.WriteAllText(writing, "Subject: being written");
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-37));
        var sweeper = host.Services.GetServices<IHostedService>().OfType<MaildirTmpSweeper>().Single();

        // The hosted sweep also ran once at start; whichever run saw the abandoned file removed it.
        sweeper.Sweep(host.Services.GetRequiredService<IOptions<MailboxOptions>>().Value.TmpRetention);

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(writing));
    }
}
