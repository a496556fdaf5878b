using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Facteur.SmtpGateway;

/// <summary>The gateway's ActivitySource and Meter, both named <see cref="Name"/>.</summary>
internal sealed class SmtpTelemetry : IDisposable
{
    public const string Name = "Facteur.Smtp";

    private readonly Meter meter;

    public SmtpTelemetry(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        MessagesReceived = meter.CreateCounter<long>("facteur.smtp.messages.received", "{message}", "Messages accepted with 250 after the intake committed them");
        MessagesRejected = meter.CreateCounter<long>("facteur.smtp.messages.rejected", "{message}", "Transactions or recipients refused, tagged by reason");
        BytesReceived = meter.CreateCounter<long>("facteur.smtp.bytes.received", "By", "Message octets of accepted messages");
        AuthFailures = meter.CreateCounter<long>("facteur.smtp.auth.failures", "{attempt}", "Failed AUTH attempts");
        InFlowDelay = meter.CreateHistogram<double>("facteur.smtp.in_flow_delay", "ms", "MAIL FROM waits for in-process delivery to catch up (Smtp:InFlowDelay), tagged by how each ended");
        SessionsOpen = meter.CreateUpDownCounter<long>("facteur.smtp.sessions.open", "{session}", "SMTP sessions currently open");
    }

    public static ActivitySource ActivitySource { get; } = new(Name);

    public Counter<long> MessagesReceived { get; }

    public Counter<long> MessagesRejected { get; }

    public Counter<long> BytesReceived { get; }

    public UpDownCounter<long> SessionsOpen { get; }

    public Histogram<double> InFlowDelay { get; }

    public Counter<long> AuthFailures { get; }

    public void Rejected(string reason) => MessagesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => meter.Dispose();
}
