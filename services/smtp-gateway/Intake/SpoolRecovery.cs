using System.Diagnostics;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// Postfix's queue-directory discipline for the standalone host: once the application has
/// started (bus running, consumers connected), every committed spool entry still in
/// <c>incoming/</c> belongs to a message that got 250 but was not fully delivered before the
/// process stopped; it is published again, flagged as a redelivery so delivery checks for the
/// copies it may already have written. Committed means: a format-2 file whose footer and hash
/// check out (<see cref="SpoolTrailer"/>), or a format-1 <c>.eml</c> with its <c>.env</c> (spools
/// written by earlier versions are still recovered). Other bodies never got 250 and are removed
/// (in-memory: any older than this process; over RabbitMQ, where replicas share the folder, only
/// those older than <see cref="OrphanAge"/>).
/// </summary>
internal sealed partial class SpoolRecovery(
    MailSpool spool,
    MailIntake intake,
    IHostApplicationLifetime lifetime,
    IBusControl bus,
    IOptions<FacteurOptions> facteurOptions,
    ILogger<SpoolRecovery> logger) : BackgroundService
{
    internal static readonly TimeSpan OrphanAge = TimeSpan.FromHours(1);

    /// <summary>
    /// Hosted services are built before any of them starts, so before the SMTP listeners: a spool
    /// file written before this moment cannot belong to a session of this host.
    /// </summary>
    private readonly DateTime createdUtc = DateTime.UtcNow;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (facteurOptions.Value.Transport == FacteurTransport.InMemory)
        {
            // The bus starts in the background; publishing before its receive endpoints are up
            // would drop the message on the in-memory transport (the entry would only wait for
            // the next start, but there is no reason to make it wait).
            using var ready = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            ready.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                await bus.WaitForHealthStatus(BusHealthStatus.Healthy, ready.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }

        await RecoverAsync(stoppingToken).ConfigureAwait(false);
    }

    /// <summary>Re-publishes committed entries and removes orphans; returns how many entries were re-published.</summary>
    internal async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(spool.Incoming))
        {
            return 0;
        }

        var inMemory = facteurOptions.Value.Transport == FacteurTransport.InMemory;
        var orphanBefore = inMemory
            ? Process.GetCurrentProcess().StartTime.ToUniversalTime()
            : DateTime.UtcNow - OrphanAge;
        if (!inMemory)
        {
            // Over RabbitMQ a committed entry (an .env beside it) is a message whose confirm was lost:
            // UnconfirmedRepublisher publishes it. Anything else in incoming/ never got a 250.
            RemoveOrphans(orphanBefore, committed: new HashSet<string>());
            return 0;
        }

        // Only entries written before this host existed: files of its own sessions are theirs.
        var recoverBefore = createdUtc;
        var entries = new List<(string QueueId, DateTime Written, SpoolEnvelope? Entry)>();
        foreach (var file in new DirectoryInfo(spool.Incoming).EnumerateFiles("*.eml"))
        {
            var queueId = Path.GetFileNameWithoutExtension(file.Name);
            if (File.Exists(spool.EnvelopePath(queueId)))
            {
                entries.Add((queueId, file.LastWriteTimeUtc, null)); // format 1: the .env says committed
            }
            else if (file.LastWriteTimeUtc < recoverBefore && TryReadEntry(file.FullName, queueId) is { } entry)
            {
                entries.Add((queueId, file.LastWriteTimeUtc, entry));
            }
        }

        RemoveOrphans(orphanBefore, entries.Select(e => e.QueueId).ToHashSet(StringComparer.Ordinal));
        var republished = 0;
        foreach (var (queueId, _, known) in entries.OrderBy(e => e.Written))
        {
            try
            {
                var entry = known ?? SpoolEnvelope.FromJson(await File.ReadAllBytesAsync(spool.EnvelopePath(queueId), cancellationToken).ConfigureAwait(false));
                var message = await intake.ToSpooledMessageAsync(entry, cancellationToken).ConfigureAwait(false);
                await intake.PublishAsync(message, spoolEntry: true, cancellationToken, redelivery: true).ConfigureAwait(false);
                republished++;
                LogRepublished(logger, queueId);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException or MailIntakeUnavailableException)
            {
                // Left in place: the next start tries again; an operator can inspect it meanwhile.
                LogRecoveryFailed(logger, queueId, ex);
            }
        }

        return republished;
    }

    /// <summary>The envelope of a complete format-2 spool file (footer and hash check out), or null.</summary>
    private SpoolEnvelope? TryReadEntry(string path, string queueId)
    {
        try
        {
            if (SpoolTrailer.TryVerify(path, out _, out _, out var envelope) && envelope.Length > 0)
            {
                var entry = SpoolEnvelope.FromJson(envelope);
                return entry.QueueId == queueId ? entry : null;
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            LogRecoveryFailed(logger, queueId, ex);
        }

        return null;
    }

    /// <summary>Removes bodies that never became committed entries (never got 250) and stale tmp files.</summary>
    private void RemoveOrphans(DateTime olderThanUtc, IReadOnlySet<string> committed)
    {
        foreach (var file in new DirectoryInfo(spool.Incoming).EnumerateFiles())
        {
            var isOrphanBody = file.Extension == ".eml"
                && !committed.Contains(Path.GetFileNameWithoutExtension(file.Name))
                && !File.Exists(Path.ChangeExtension(file.FullName, ".env"));
            var isTmp = file.Name.EndsWith(".tmp", StringComparison.Ordinal) || file.Name.EndsWith(".merged", StringComparison.Ordinal);
            if ((isOrphanBody || isTmp) && file.LastWriteTimeUtc < olderThanUtc)
            {
                try
                {
                    file.Delete();
                    LogOrphanRemoved(logger, file.Name);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool entry {QueueId} was not delivered before the last stop; publishing it again")]
    private static partial void LogRepublished(ILogger logger, string queueId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool entry {QueueId} could not be published again; it stays in the spool")]
    private static partial void LogRecoveryFailed(ILogger logger, string queueId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {File}: a message body whose transaction never completed")]
    private static partial void LogOrphanRemoved(ILogger logger, string file);
}
