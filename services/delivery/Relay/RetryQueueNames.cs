using System.Globalization;

namespace Facteur.Delivery.Relay;

/// <summary>Names of the delay-step queues: <c>relay-retry-&lt;n&gt;</c>, one per step of <c>Relay:RetrySchedule</c>.</summary>
internal static class RetryQueueNames
{
    public const string Prefix = "relay-retry-";

    public static string Step(string entityPrefix, int step) => entityPrefix + Prefix + step.ToString(CultureInfo.InvariantCulture);
}
