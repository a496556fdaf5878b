using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Facteur.Delivery;

/// <summary>Traces and metrics of local delivery (ActivitySource and Meter <c>Facteur.Delivery</c>).</summary>
public static class DeliveryTelemetry
{
    public const string Name = "Facteur.Delivery";

    internal static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Delivered = Meter.CreateCounter<long>(
        "facteur.delivery.delivered", "{copy}", "Copies written durably into a Maildir");

    internal static readonly Counter<long> Bytes = Meter.CreateCounter<long>(
        "facteur.delivery.bytes", "By", "Octets written into Maildirs");

    internal static readonly Counter<long> Skipped = Meter.CreateCounter<long>(
        "facteur.delivery.skipped", "{recipient}", "Recipients not delivered, by reason");

    internal static readonly Counter<long> Relayed = Meter.CreateCounter<long>(
        "facteur.delivery.relayed", "{recipient}", "Remote recipients handed to the relay queue");

    internal static readonly Histogram<double> Latency = Meter.CreateHistogram<double>(
        "facteur.delivery.latency", "ms", "From the gateway's acceptance to the durable Maildir copy");
}
