using System.Diagnostics;
using Facteur.Delivery;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.IntegrationTests.Infrastructure;
using Facteur.SmtpGateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Facteur.IntegrationTests;

/// <summary>
/// Issue 2 item 7: one trace follows a message from the SMTP session through the bus to the
/// Maildir write. The modules are composed in this process, as the standalone host composes
/// them, with OpenTelemetry's in-memory exporter added to the tracer provider they configure.
/// </summary>
public sealed class TracingTests
{
    [Fact]
    public async Task One_trace_follows_a_message_from_the_smtp_session_through_the_bus_to_the_maildir_write()
    {
        using var site = new TestSite().WithUser("alice@esp.sn");
        var exported = new List<Activity>();
        var builder = WebApplication.CreateBuilder();
        foreach (var (key, value) in site.Environment("InMemory"))
        {
            builder.Configuration[key.Replace("__", ":")] = value;
        }

        // No OTLP endpoint here: the test exports in memory, so it chooses a sampler as an operator
        // would (without one the services record no span, FacteurDefaults says why).
        builder.Configuration["OTEL_TRACES_SAMPLER"] = "always_on";
        builder.AddFacteurDefaults();
        builder.AddSmtpGateway();
        builder.AddDelivery();
        builder.AddFacteurBus();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported));
        await using var app = builder.Build();
        app.MapFacteurDefaults();
        await app.StartAsync();

        await SmtpClients.SendAsync(site.SmtpPort, SmtpClients.Message("a@remote.example", "alice@esp.sn", "traced-1", "follow me"));
        await site.Maildir("alice@esp.sn").WaitForAsync(1, TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        await app.StopAsync();
        app.Services.GetService<TracerProvider>()?.ForceFlush();

        List<Activity> snapshot;
        lock (exported)
        {
            snapshot = [.. exported];
        }

        var smtp = snapshot.Where(a => a.Source.Name == "Facteur.Smtp").ToList();
        Assert.NotEmpty(smtp);
        var write = Assert.Single(snapshot, a => a.Source.Name == "Facteur.Delivery" && snapshot.Any(s => s.TraceId == a.TraceId && s.Source.Name == "Facteur.Smtp"));
        var trace = snapshot.Where(a => a.TraceId == write.TraceId).ToList();
        Assert.Contains(trace, a => a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Producer);
        Assert.Contains(trace, a => a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Consumer);
    }
}
