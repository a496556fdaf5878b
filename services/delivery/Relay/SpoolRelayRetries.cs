using System.Collections.Concurrent;
using System.Text.Json;
using Facteur.Contracts;
using Facteur.Hosting.Bus;
using MassTransit;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Retries in the standalone host (in-memory bus, which forgets everything on a crash): the
/// command stays in the relay spool that delivery wrote (<see cref="RelaySpool"/>) — rewritten
/// with the recipients still to try — and a <c>.next</c> state file records when it is due.
/// <see cref="RelaySpoolPump"/> publishes due entries again, and at start every entry not
/// waiting for a later time (so a crash mid-attempt is retried). Durability is the spool's:
/// fsynced files on disk, not MassTransit's in-memory scheduler.
/// </summary>
internal sealed class SpoolRelayRetries(RelaySpool spool, TimeProvider time) : IRelayRetries
{
    private readonly ConcurrentDictionary<Guid, byte> inFlight = new();

    public const string SpoolIdHeader = "Facteur-RelaySpool";

    public static string NextPath(RelaySpool spool, Guid id) => Path.Combine(spool.Folder, id.ToString("N") + ".next");

    public static string InflightPath(RelaySpool spool, Guid id) => Path.Combine(spool.Folder, id.ToString("N") + ".inflight");

    public async Task ScheduleAsync(ConsumeContext<RelayMail> context, RelayMail next, TimeSpan delay, Func<CancellationToken, Task<Stream>> openContent)
    {
        var id = SpoolId(context);
        var path = spool.MessagePath(id);
        var state = new RelayRetryState
        {
            DueAt = time.GetUtcNow() + delay,
            Attempts = next.Attempts,
            DelayWarned = next.DelayWarned,
            EnvelopeId = next.EnvelopeId,
            DsnReturn = next.DsnReturn,
            DsnNotify = next.DsnNotify,
            OriginalRecipients = next.OriginalRecipients,
        };

        if (File.Exists(path))
        {
            // Only the recipient list changes: rewrite the command beside the message file.
            var entry = new RelaySpoolEntry
            {
                MessageId = id,
                QueueId = next.QueueId,
                ReversePath = next.ReversePath,
                Domain = next.Domain,
                Recipients = next.Recipients,
                ReceivedAt = next.ReceivedAt,
                Size = next.Size,
            };
            var entryPath = spool.EntryPath(id);
            var tmp = entryPath + ".tmp";
            await using (var output = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                await JsonSerializer.SerializeAsync(output, entry, cancellationToken: context.CancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }

            DurableFile.MoveDurably(tmp, entryPath);
        }
        else
        {
            await using var content = await openContent(context.CancellationToken).ConfigureAwait(false);
            await spool.WriteAsync(next, id, content, context.CancellationToken).ConfigureAwait(false);
        }

        state.Write(NextPath(spool, id));
        File.Delete(InflightPath(spool, id));
    }

    public Task CompleteAsync(ConsumeContext<RelayMail> context, bool retryScheduled)
    {
        if (!retryScheduled && context.MessageId is { } id)
        {
            File.Delete(NextPath(spool, id));
            File.Delete(InflightPath(spool, id));
            spool.Remove(id);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Delivery writes the spool entry before publishing, so an entry that is gone was finished;
    /// one already in flight (delivery's publish and the start-up pass racing after a crash) is
    /// not tried twice at once.
    /// </summary>
    public bool TryBegin(ConsumeContext<RelayMail> context) =>
        context.MessageId is { } id && spool.Contains(id) && inFlight.TryAdd(id, 0);

    public void End(ConsumeContext<RelayMail> context)
    {
        if (context.MessageId is { } id)
        {
            inFlight.TryRemove(id, out _);
        }
    }

    private static Guid SpoolId(ConsumeContext context) =>
        context.MessageId ?? throw new InvalidOperationException("A relay command without a message id cannot be spooled.");
}
