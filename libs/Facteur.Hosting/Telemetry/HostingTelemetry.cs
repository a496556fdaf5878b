using System.Diagnostics.Metrics;

namespace Facteur.Hosting.Telemetry;

/// <summary>Instruments of the hosting layer itself (meter <c>Facteur.Hosting</c>).</summary>
internal sealed class HostingTelemetry
{
    public const string MeterName = "Facteur.Hosting";

    private volatile IServerCertificate? certificate;

    public HostingTelemetry(IMeterFactory meters, TimeProvider time)
    {
        var meter = meters.Create(MeterName);

        // Alert on this before clients start refusing STARTTLS.
        meter.CreateObservableGauge(
            "facteur.tls.certificate.expires_in",
            () => certificate is { } current
                ? [new Measurement<double>((current.Certificate.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime).TotalSeconds,
                    new KeyValuePair<string, object?>("self_signed", current.IsSelfSigned))]
                : Array.Empty<Measurement<double>>(),
            unit: "s",
            description: "Time left until the TLS certificate the listeners present expires");
    }

    public void Observe(IServerCertificate serverCertificate) => certificate = serverCertificate;
}
