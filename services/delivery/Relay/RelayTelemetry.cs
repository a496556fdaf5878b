using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Facteur.Delivery.Relay;

/// <summary>ActivitySource and Meter <c>Facteur.Relay</c>.</summary>
internal static class RelayTelemetry
{
    public const string Name = "Facteur.Relay";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Delivered = Meter.CreateCounter<long>("facteur.relay.delivered", description: "Recipients accepted by a remote MX");

    public static readonly Counter<long> Deferred = Meter.CreateCounter<long>("facteur.relay.deferred", description: "Recipients waiting for another attempt");

    public static readonly Counter<long> Bounced = Meter.CreateCounter<long>("facteur.relay.bounced", description: "Recipients failed permanently or expired");

    public static readonly Counter<long> Dsns = Meter.CreateCounter<long>("facteur.relay.dsn", description: "Delivery status notifications sent");
}
