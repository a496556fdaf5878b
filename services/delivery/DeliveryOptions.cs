using System.ComponentModel.DataAnnotations;
using Facteur.Hosting;

namespace Facteur.Delivery;

/// <summary>The <c>Delivery</c> section.</summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Delivery";

    /// <summary>
    /// Messages one worker delivers at once (also the broker prefetch). Unset, it depends on the transport
    /// (<see cref="LimitFor"/>).
    /// </summary>
    [Range(1, 512)]
    public int? ConcurrentMessageLimit { get; set; }

    /// <summary>
    /// The shortest time between two wake-up publishes of a delivery worker, each a <c>MailDelivered</c> or a
    /// <c>MailDeliveredBatch</c> with one entry per folder (<see cref="DeliveredAnnouncer"/>): the first copy after a
    /// quiet interval is announced at once, later ones within it together at its end.
    /// This is the longest a delivery waits to wake another replica's IDLE sessions; zero announces every copy.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan AnnounceInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The limit in force: the configured one, else 32 for a worker of its own over RabbitMQ and 16 in the
    /// standalone host's in-memory bus. A worker with 16 let the queue grow behind its fsyncs at 2 KB c=10
    /// (accept→Maildir p99 45–113 ms against 28–51 with 32 in four pairs, same throughput and CPU; docs/README-perf.md);
    /// in the standalone host the same slots share two cores with the SMTP sessions, and its in-flow delay
    /// (Smtp:InFlowBacklog) counts against them: 48 there was measured and not adopted.
    /// </summary>
    public int LimitFor(FacteurTransport transport) =>
        ConcurrentMessageLimit ?? (transport == FacteurTransport.InMemory ? 16 : 32);
}
