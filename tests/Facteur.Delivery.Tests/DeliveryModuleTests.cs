using Facteur.MailStore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Tests;

public class DeliveryModuleTests
{
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
}
