using System.Text.Json;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// Over RabbitMQ, committed spool entries are messages the gateway accepted although their
/// publish was never confirmed (see MailIntake.Unconfirmed.cs). Every <see cref="BusOptions.RepublishInterval"/>
/// this publishes each of them again, marked as a redelivery, and removes the entry once the broker
/// confirms. Replicas share the spool folder, so an entry a stopped replica kept is picked up by
/// another; two replicas publishing the same entry make two copies in the queue that delivery
/// writes to one file.
/// </summary>
internal sealed partial class UnconfirmedRepublisher(
    MailSpool spool,
    MailIntake intake,
    IOptions<BusOptions> busOptions,
    IOptions<FacteurOptions> facteurOptions,
    ILogger<UnconfirmedRepublisher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (facteurOptions.Value.Transport == FacteurTransport.InMemory)
        {
            // The standalone host's entries are re-published by SpoolRecovery at start.
            return;
        }

        using var timer = new PeriodicTimer(busOptions.Value.RepublishInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RepublishAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Publishes the kept entries again, oldest first; returns how many the broker confirmed.</summary>
    internal async Task<int> RepublishAsync(CancellationToken cancellationToken)
    {
        var confirmed = 0;
        foreach (var queueId in spool.CommittedQueueIds().ToList())
        {
            try
            {
                var entry = SpoolEnvelope.FromJson(await File.ReadAllBytesAsync(spool.EnvelopePath(queueId), cancellationToken).ConfigureAwait(false));
                var message = await intake.ToSpooledMessageAsync(entry, cancellationToken).ConfigureAwait(false);
                await intake.PublishAsync(message, spoolEntry: false, cancellationToken, redelivery: true).ConfigureAwait(false);
            }
            catch (FileNotFoundException)
            {
                // Another replica got it confirmed and removed it meanwhile.
                continue;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException)
            {
                LogUnreadable(logger, queueId, ex);
                continue;
            }
            catch (MailIntakeUnavailableException ex)
            {
                // The broker is still away: the other entries would wait as long; next tick.
                LogStillUnconfirmed(logger, queueId, ex);
                break;
            }

            // Envelope first (MailSpool.Complete): a crash in between leaves an orphan body, not an entry published a third time.
            try
            {
                spool.Complete(queueId);
            }
            catch (IOException ex)
            {
                // Published again next tick: delivery finds the copy it already wrote.
                LogUnreadable(logger, queueId, ex);
                continue;
            }

            confirmed++;
            LogRepublished(logger, queueId);
        }

        return confirmed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{QueueId}, accepted while its confirm was lost, is now confirmed by the broker and left the spool")]
    private static partial void LogRepublished(ILogger logger, string queueId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{QueueId}, accepted while its confirm was lost, is still not confirmed; it stays in the spool")]
    private static partial void LogStillUnconfirmed(ILogger logger, string queueId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool entry {QueueId} could not be read or removed; it stays in the spool")]
    private static partial void LogUnreadable(ILogger logger, string queueId, Exception exception);
}
