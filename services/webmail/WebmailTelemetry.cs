using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Facteur.Webmail;

/// <summary>The webmail's activity source and meter (picked up by Facteur.Hosting's "Facteur.*" wildcard).</summary>
internal sealed class WebmailTelemetry : IDisposable
{
    public const string Name = "Facteur.Webmail";

    public static readonly ActivitySource Source = new(Name);

    private readonly Meter _meter = new(Name);

    public WebmailTelemetry()
    {
        Logins = _meter.CreateCounter<long>("facteur.webmail.logins", description: "Successful webmail logins");
        LoginFailures = _meter.CreateCounter<long>("facteur.webmail.login_failures", description: "Refused webmail logins (bad password or throttled)");
        MessagesSent = _meter.CreateCounter<long>("facteur.webmail.messages_sent", description: "Messages sent through submission");
    }

    public Counter<long> Logins { get; }

    public Counter<long> LoginFailures { get; }

    public Counter<long> MessagesSent { get; }

    public void Dispose() => _meter.Dispose();
}
