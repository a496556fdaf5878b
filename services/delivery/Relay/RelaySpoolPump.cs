using Facteur.Contracts;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Standalone host: feeds the relay from its spool. At start it publishes every entry that is not
/// waiting for a later attempt (the in-memory bus lost whatever was in flight); then, every
/// <c>Relay:SpoolPollInterval</c>, the entries whose <c>.next</c> time has come (renamed to
/// <c>.inflight</c> first, so one entry is never published twice). In every host it also sweeps
/// old <see cref="RelayDoneRecord"/> markers.
/// </summary>
internal sealed partial class RelaySpoolPump(
    IServiceProvider services,
    RelaySpool spool,
    RelayDoneRecord done,
    IOptions<FacteurOptions> facteurOptions,
    IOptions<RelayOptions> relayOptions,
    TimeProvider time,
    ILogger<RelaySpoolPump> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var standalone = facteurOptions.Value.Transport == FacteurTransport.InMemory;
        var first = true;
        var lastSweep = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (standalone)
                {
                    await PumpAsync(first, stoppingToken).ConfigureAwait(false);
                    first = false;
                }

                if (time.GetUtcNow() - lastSweep > TimeSpan.FromHours(1))
                {
                    done.Sweep((time.GetUtcNow() - RelayDoneRecord.Retention).UtcDateTime);
                    lastSweep = time.GetUtcNow();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                LogPumpFailed(logger, e);
            }

            try
            {
                await Task.Delay(relayOptions.Value.SpoolPollInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PumpAsync(bool atStart, CancellationToken cancellationToken)
    {
        var bus = services.GetRequiredService<IBus>();
        var now = time.GetUtcNow();
        foreach (var entry in spool.Entries().ToList())
        {
            var next = SpoolRelayRetries.NextPath(spool, entry.MessageId);
            var inflight = SpoolRelayRetries.InflightPath(spool, entry.MessageId);
            RelayRetryState? state;
            if (RelayRetryState.Read(next) is { } waiting)
            {
                if (waiting.DueAt > now)
                {
                    continue;
                }

                File.Move(next, inflight, overwrite: true);
                state = waiting;
            }
            else if (atStart)
            {
                state = RelayRetryState.Read(inflight);
            }
            else
            {
                continue; // in flight: delivery's own publish, or ours
            }

            var relay = new RelayMail
            {
                QueueId = entry.QueueId,
                ReversePath = entry.ReversePath,
                Domain = entry.Domain,
                Recipients = entry.Recipients,
                ReceivedAt = entry.ReceivedAt,
                Size = entry.Size,
                Attempts = state?.Attempts ?? 0,
                DelayWarned = state?.DelayWarned ?? false,
                EnvelopeId = state?.EnvelopeId,
                DsnReturn = state?.DsnReturn,
                DsnNotify = state?.DsnNotify,
                OriginalRecipients = state?.OriginalRecipients,
            };
            await bus.Publish(relay, c =>
            {
                c.MessageId = entry.MessageId;
                c.Headers.Set(SpoolRelayRetries.SpoolIdHeader, entry.MessageId.ToString("N"));
            }, cancellationToken).ConfigureAwait(false);
            LogPublished(logger, entry.QueueId, entry.Domain, relay.Attempts);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay spool: {QueueId} for {Domain} published for attempt {Attempts}+1")]
    private static partial void LogPublished(ILogger logger, string queueId, string domain, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay spool pass failed; trying again at the next one")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);
}
