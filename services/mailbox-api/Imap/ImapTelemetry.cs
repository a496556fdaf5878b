using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Facteur.MailboxApi.Imap;

/// <summary>The IMAP server's ActivitySource and Meter, both named <c>Facteur.Imap</c> (DESIGN.md, Observability).</summary>
public sealed class ImapTelemetry : IDisposable
{
    public const string Name = "Facteur.Imap";

    public ImapTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        SessionsOpen = Meter.CreateUpDownCounter<long>("facteur.imap.sessions.open", description: "IMAP sessions currently connected");
        Sessions = Meter.CreateCounter<long>("facteur.imap.sessions", description: "IMAP sessions accepted");
        AuthFailures = Meter.CreateCounter<long>("facteur.imap.auth.failures", description: "Failed IMAP logins");
        Commands = Meter.CreateCounter<long>("facteur.imap.commands", description: "IMAP commands executed");
        Appended = Meter.CreateCounter<long>("facteur.imap.messages.appended", description: "Messages stored by APPEND");
    }

    public static ActivitySource ActivitySource { get; } = new(Name);

    public Meter Meter { get; }

    public UpDownCounter<long> SessionsOpen { get; }

    public Counter<long> Sessions { get; }

    public Counter<long> AuthFailures { get; }

    public Counter<long> Commands { get; }

    public Counter<long> Appended { get; }

    public void Dispose() => Meter.Dispose();
}
