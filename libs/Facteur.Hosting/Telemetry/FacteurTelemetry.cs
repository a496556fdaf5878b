using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Facteur.Hosting.Telemetry;

/// <summary>What OpenTelemetry listens to, and the service name it reports.</summary>
internal static class FacteurTelemetry
{
    /// <summary>Every Facteur ActivitySource and Meter: Facteur.Smtp, Facteur.Delivery, Facteur.Imap, …</summary>
    public const string FacteurWildcard = "Facteur.*";

    /// <summary>MassTransit's ActivitySource and Meter share this name (8.x).</summary>
    public const string MassTransit = "MassTransit";

    public static string ServiceName(IConfiguration configuration)
    {
        var configured = configuration["OTEL_SERVICE_NAME"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        return Assembly.GetEntryAssembly()?.GetName().Name ?? AppDomain.CurrentDomain.FriendlyName;
    }

    public static bool OtlpEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>
    /// Spans are recorded when something exports them (an OTLP endpoint) or when the operator
    /// chose a sampler (<c>OTEL_TRACES_SAMPLER</c>, which the SDK then reads itself); otherwise
    /// the tracer provider samples nothing.
    /// </summary>
    public static bool RecordsSpans(IConfiguration configuration) =>
        OtlpEnabled(configuration) || !string.IsNullOrWhiteSpace(configuration["OTEL_TRACES_SAMPLER"]);
}
