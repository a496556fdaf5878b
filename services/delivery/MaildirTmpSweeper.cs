using Facteur.Hosting;
using Facteur.MailStore;
using Facteur.MailStore.Index;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery;

/// <summary>
/// Runs <see cref="MaildirTmpSweep"/> over the mail root at start and then hourly, deleting tmp/
/// files older than <c>Mailbox:TmpRetention</c>. Delivery runs it because delivery is what writes
/// into tmp/ on every message; several replicas sweeping the same volume is harmless (a file
/// already gone is skipped).
/// </summary>
internal sealed partial class MaildirTmpSweeper(
    IOptions<FacteurOptions> facteur,
    IOptions<MailboxOptions> mailbox,
    TimeProvider time,
    ILogger<MaildirTmpSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = mailbox.Value.TmpRetention;
        if (retention <= TimeSpan.Zero)
        {
            return;
        }

        // Off the start-up path: a large mail root takes a while to walk.
        await Task.Yield();
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        try
        {
            do
            {
                Sweep(retention);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // A host whose start failed (a port in use) is disposed without being stopped: the
            // token is cancelled then, and the host would report that as this service failing.
        }
    }

    internal int Sweep(TimeSpan retention)
    {
        var root = facteur.Value.MailRoot;
        try
        {
            var swept = MaildirTmpSweep.Sweep(root, time.GetUtcNow().UtcDateTime - retention);
            if (swept > 0)
            {
                LogSwept(logger, swept, root);
            }

            return swept;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSweepFailed(logger, ex, root);
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} abandoned tmp/ files under {MailRoot}")]
    private static partial void LogSwept(ILogger logger, int count, string mailRoot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tmp/ sweep of {MailRoot} failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, string mailRoot);
}
