using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Facteur.Hosting.Bus;
using Facteur.Hosting.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Facteur.Hosting.Tests;

public sealed class ManagementEndpointTests
{
    [Fact]
    public async Task Healthz_answers_200_over_http_on_the_management_port()
    {
        await using var host = await ManagementHost.StartAsync();

        using var response = await host.Client.GetAsync(FacteurDefaults.LivenessPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_is_503_while_a_ready_check_fails_and_200_once_it_passes()
    {
        var mailRootWritable = false;
        await using var host = await ManagementHost.StartAsync(builder => builder.Services.AddHealthChecks()
            .AddCheck("mail-root", () => mailRootWritable ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("mail root is read-only"), [HealthTags.Ready]));

        using var notReady = await host.Client.GetAsync(FacteurDefaults.ReadinessPath);
        var notReadyBody = await notReady.Content.ReadAsStringAsync();
        mailRootWritable = true;
        using var ready = await host.Client.GetAsync(FacteurDefaults.ReadinessPath);
        using var live = await host.Client.GetAsync(FacteurDefaults.LivenessPath);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("mail root is read-only", notReadyBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode); // liveness does not depend on readiness
    }

    [Fact]
    public async Task Readyz_counts_the_bus_health_check_and_is_503_while_the_bus_is_stopped()
    {
        await using var host = await ManagementHost.StartAsync(builder => builder.AddFacteurBus());
        var bus = host.App.Services.GetRequiredService<MassTransit.IBusControl>();

        var readyBody = await WaitForStatusAsync(host, HttpStatusCode.OK);
        await bus.StopAsync(TestContext.Timeout(30));
        var stoppedBody = await WaitForStatusAsync(host, HttpStatusCode.ServiceUnavailable);

        using var ready = JsonDocument.Parse(readyBody);
        var checks = ready.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToList();
        Assert.Contains(checks, name => name.Contains("masstransit", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("Unhealthy", stoppedBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_exposes_facteur_instruments_in_prometheus_format()
    {
        await using var host = await ManagementHost.StartAsync();
        _ = host.App.Services.GetRequiredService<IServerCertificate>(); // generates the self-signed certificate in the temp spool
        using var meter = new Meter("Facteur.Smtp.Test");
        meter.CreateCounter<long>("facteur.smtp.test.messages").Add(3);

        using var response = await host.Client.GetAsync(FacteurDefaults.MetricsPath);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("facteur_tls_certificate_expires_in_seconds", text, StringComparison.Ordinal);
        Assert.Contains("facteur_smtp_test_messages_total", text, StringComparison.Ordinal);
    }

    private static async Task<string> WaitForStatusAsync(ManagementHost host, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string body;
        HttpStatusCode status;
        do
        {
            using var response = await host.Client.GetAsync(FacteurDefaults.ReadinessPath);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync();
            if (status == expected)
            {
                return body;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"/readyz stayed {status} instead of {expected}: {body}");
        return body;
    }
}

internal static class TestContext
{
    public static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
