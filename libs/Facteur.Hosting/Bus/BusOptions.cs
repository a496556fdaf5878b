using System.ComponentModel.DataAnnotations;

namespace Facteur.Hosting.Bus;

/// <summary>The <c>Bus</c> section: claim-check threshold, publish timeout and retries.</summary>
public sealed class BusOptions
{
    public const string SectionName = "Bus";

    /// <summary>Messages up to this many octets travel inside the bus message; larger ones by claim check.</summary>
    [Range(0, 16 * 1024 * 1024)]
    public int InlineThreshold { get; set; } = 64 * 1024;

    /// <summary>How long the gateway waits for the broker's publisher confirm before answering 451.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one publish waits for its confirm before the gateway publishes the message again
    /// (same queue id and message id, marked <see cref="FacteurQueues.RedeliveryHeader"/>), within
    /// <see cref="PublishTimeout"/>. A confirm lost with a broken connection is not re-sent by
    /// RabbitMQ, and MassTransit's own re-send backs off up to 30 s: the gateway does not wait for it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the gateway publishes again the messages it kept in its spool because their
    /// confirm never came within <see cref="PublishTimeout"/> (they got 250; see the gateway's README).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RepublishInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Waits between consume attempts for transient faults (interval retry inside the consumer;
    /// the broker's delayed-exchange plugin is not assumed). After the last one the message goes
    /// to the endpoint's <c>_error</c> queue.
    /// </summary>
    /// <remarks>Empty (the default) means 1 s, 5 s, 15 s, 30 s, 60 s. (A pre-filled list would have
    /// configured values appended to it by the configuration binder, not replace it.)</remarks>
    public List<TimeSpan> RetryIntervals { get; set; } = [];

    /// <summary>
    /// Prefix for every queue and exchange name, so several installations (or test runs) can share
    /// one broker without consuming each other's messages. Empty by default.
    /// </summary>
    [RegularExpression("^[a-z0-9.-]*$")]
    public string EntityPrefix { get; set; } = string.Empty;

    internal static readonly TimeSpan[] DefaultRetryIntervals =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)];

    public IReadOnlyList<TimeSpan> EffectiveRetryIntervals => RetryIntervals.Count > 0 ? RetryIntervals : DefaultRetryIntervals;

    /// <summary>A queue name with <see cref="EntityPrefix"/>.</summary>
    public string QueueName(string name) => EntityPrefix + name;

    /// <summary>Claim-check files in <c>claims/</c> unused for this long are orphans and are swept (<see cref="ClaimSweeper"/>; never those held for an <c>_error</c> queue).</summary>
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00")]
    public TimeSpan ClaimRetention { get; set; } = TimeSpan.FromDays(7);
}
