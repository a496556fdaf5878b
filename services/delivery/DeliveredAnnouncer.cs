using Facteur.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery;

/// <summary>
/// Tells the mailbox-api replicas that folders got new mail, in batches at most one
/// <see cref="DeliveryOptions.AnnounceInterval"/> apart: one publish per batch, a <see cref="MailDelivered"/>
/// when it touched one folder, else a <see cref="MailDeliveredBatch"/> with one entry per folder. The first
/// copy after a quiet interval goes out at once; copies delivered within the interval after a batch wait for
/// the next one, and copies into the same folder share its entry, which carries the newest. A replica's
/// consumer re-syncs the whole folder on any entry (<c>MessageStore.NotifyChanged</c>), so one entry stands
/// for every copy before it.
/// <para>
/// Why: over RabbitMQ an event per copy was a publish, a confirm and the broker's routing for every
/// message, about a third of a millisecond of CPU between the worker and the broker; at c=1 on two
/// cores that was up to a fifth of the stack's rate (docs/README-perf.md, "Wake events coalesced per folder").
/// </para>
/// <para>
/// The events are published by the bus, not by the consume context, so a message's ack no longer waits
/// for them. A wake is a hint, not a promise: an event lost to a crash or a broker hiccup is made up by
/// the IDLE sessions' own poll (<c>Imap:IdlePollInterval</c>), so a failed publish is logged and dropped.
/// </para>
/// </summary>
internal sealed partial class DeliveredAnnouncer(
    IBus bus,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveredAnnouncer> logger)
{
    private readonly Lock gate = new();
    private Dictionary<(string Mailbox, string Folder), MailDelivered> pending = [];
    private long lastFlush = long.MinValue;

    /// <summary>A copy is durable in its folder: announce it now or with the interval's batch.</summary>
    public void Announce(MailDelivered delivered)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        TimeSpan due;
        lock (gate)
        {
            // Something pending means its flush is already scheduled (a flush empties the batch it takes).
            var flushScheduled = pending.Count > 0;

            // The newest copy stands for the folder: its name is the one a replica may not have seen yet.
            pending[(delivered.Mailbox, delivered.Folder)] = delivered;
            if (flushScheduled)
            {
                return;
            }

            var interval = options.Value.AnnounceInterval;
            var sinceLast = lastFlush == long.MinValue ? TimeSpan.MaxValue : time.GetElapsedTime(lastFlush);
            due = sinceLast >= interval ? TimeSpan.Zero : interval - sinceLast;
        }

        _ = FlushAsync(due);
    }

    private async Task FlushAsync(TimeSpan due)
    {
        // Off the caller's thread either way: the consumer goes on to its ack without waiting for a publish.
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, time).ConfigureAwait(false);
        }
        else
        {
            await Task.Yield();
        }

        Dictionary<(string Mailbox, string Folder), MailDelivered> batch;
        lock (gate)
        {
            batch = pending;
            pending = [];
            lastFlush = time.GetTimestamp();
        }

        try
        {
            // One publish for the whole batch, however many mailboxes it touched.
            if (batch.Count == 1)
            {
                await bus.Publish(batch.Values.First()).ConfigureAwait(false);
            }
            else
            {
                await bus.Publish(new MailDeliveredBatch { Copies = [.. batch.Values] }).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPublishFailed(logger, ex, batch.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The wake-up for {Count} folder(s) was not published; IDLE sessions of other replicas see the new mail at their next poll")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int count);
}
