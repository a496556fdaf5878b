using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Facteur.MailboxApi.Pop3;

/// <summary>The POP3 server's ActivitySource and Meter, both named <c>Facteur.Pop3</c> (DESIGN.md, Observability).</summary>
public sealed class Pop3Telemetry : IDisposable
{
    public const string Name = "Facteur.Pop3";

    public Pop3Telemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        SessionsOpen = Meter.CreateUpDownCounter<long>("facteur.pop3.sessions.open", description: "POP3 sessions currently connected");
        Sessions = Meter.CreateCounter<long>("facteur.pop3.sessions", description: "POP3 sessions accepted");
        AuthFailures = Meter.CreateCounter<long>("facteur.pop3.auth.failures", description: "Failed POP3 logins");
        MessagesRetrieved = Meter.CreateCounter<long>("facteur.pop3.messages.retrieved", description: "Messages sent by RETR");
        MessagesDeleted = Meter.CreateCounter<long>("facteur.pop3.messages.deleted", description: "Messages removed in the UPDATE state");
        BytesSent = Meter.CreateCounter<long>("facteur.pop3.bytes.sent", unit: "By", description: "Message octets sent by RETR and TOP");
    }

    public static ActivitySource ActivitySource { get; } = new(Name);

    public Meter Meter { get; }

    public UpDownCounter<long> SessionsOpen { get; }

    public Counter<long> Sessions { get; }

    public Counter<long> AuthFailures { get; }

    public Counter<long> MessagesRetrieved { get; }

    public Counter<long> MessagesDeleted { get; }

    public Counter<long> BytesSent { get; }

    public void Dispose() => Meter.Dispose();
}
