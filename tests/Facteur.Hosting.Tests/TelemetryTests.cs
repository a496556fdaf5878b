using System.Diagnostics;
using Facteur.Hosting.Telemetry;
using Microsoft.Extensions.Configuration;

namespace Facteur.Hosting.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Activities_of_every_facteur_source_and_of_masstransit_are_recorded_by_a_host_that_exports_them()
    {
        // Nothing listens there: the spans are recorded and their export fails quietly.
        await using var host = await ManagementHost.StartAsync(settings: new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });
        using var smtp = new ActivitySource("Facteur.Smtp");
        using var delivery = new ActivitySource("Facteur.Delivery");
        using var unrelated = new ActivitySource("SomeoneElse.Library");

        using var session = smtp.StartActivity("smtp.session");
        using var write = delivery.StartActivity("maildir.write");
        using var other = unrelated.StartActivity("other");

        Assert.NotNull(session);
        Assert.True(session.Recorded);
        Assert.NotNull(write);
        Assert.True(write.Recorded);
        Assert.Null(other);
        Assert.True(new ActivitySource(FacteurTelemetry.MassTransit).HasListeners());
    }

    [Fact]
    public async Task A_host_without_an_otlp_endpoint_records_no_span_but_keeps_the_trace_context()
    {
        await using var host = await ManagementHost.StartAsync();
        using var smtp = new ActivitySource("Facteur.Smtp");

        using var session = smtp.StartActivity("smtp.session");

        // Created for propagation only: no tags are filled in and nothing is exported.
        Assert.NotNull(session);
        Assert.False(session.Recorded);
        Assert.False(session.IsAllDataRequested);
        Assert.NotEqual(default, session.TraceId);
    }

    [Fact]
    public async Task A_sampler_chosen_with_OTEL_TRACES_SAMPLER_records_spans_without_an_otlp_endpoint()
    {
        await using var host = await ManagementHost.StartAsync(settings: new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "always_on" });
        using var smtp = new ActivitySource("Facteur.Smtp");

        using var session = smtp.StartActivity("smtp.session");

        Assert.NotNull(session);
        Assert.True(session.Recorded);
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("", "", false)]
    [InlineData("http://127.0.0.1:4317", null, true)]
    [InlineData(null, "parentbased_traceidratio", true)]
    public void Spans_are_recorded_only_when_exported_or_a_sampler_is_chosen(string? endpoint, string? sampler, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_TRACES_SAMPLER"] = sampler,
        }).Build();

        Assert.Equal(expected, FacteurTelemetry.RecordsSpans(configuration));
    }

    [Fact]
    public void The_service_name_comes_from_OTEL_SERVICE_NAME_when_set()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_SERVICE_NAME"] = "delivery-eu-1" }).Build();

        Assert.Equal("delivery-eu-1", FacteurTelemetry.ServiceName(configuration));
    }

    [Fact]
    public void The_service_name_defaults_to_the_entry_assembly()
    {
        var configuration = new ConfigurationBuilder().Build();

        Assert.Equal(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name, FacteurTelemetry.ServiceName(configuration));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void Otlp_export_is_on_only_when_the_endpoint_is_set(string? endpoint, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint }).Build();

        Assert.Equal(expected, FacteurTelemetry.OtlpEnabled(configuration));
    }

    [Fact]
    public async Task A_host_with_an_otlp_endpoint_starts_and_answers_healthz()
    {
        // Nothing listens there: export failures must not stop the service.
        await using var host = await ManagementHost.StartAsync(settings: new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });

        using var response = await host.Client.GetAsync(FacteurDefaults.LivenessPath);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
