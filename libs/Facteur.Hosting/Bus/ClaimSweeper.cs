using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Hosting.Bus;

/// <summary>
/// Deletes claim-check files in <c>claims/</c> older than <see cref="BusOptions.ClaimRetention"/>:
/// bodies a gateway crash left behind (never answered 250, or never published), and relay copies
/// left by a crash after the last attempt. Runs hourly. It never enters <c>claims/held/</c>, where
/// the claims of messages in an <c>_error</c> queue wait for an operator (<see cref="ClaimHoldFilter"/>);
/// a relay retry refreshes its claim's time, so the retention counts from the last attempt.
/// </summary>
internal sealed partial class ClaimSweeper(MailSpool spool, IOptions<BusOptions> options, TimeProvider time, ILogger<ClaimSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        try
        {
            do
            {
                try
                {
                    Sweep();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    LogSweepFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // A host whose start failed (a port in use) is disposed without being stopped: the
            // token is cancelled then, and the host would report that as this service failing.
        }
    }

    internal int Sweep()
    {
        if (!Directory.Exists(spool.Claims))
        {
            return 0;
        }

        var limit = time.GetUtcNow().UtcDateTime - options.Value.ClaimRetention;
        var swept = 0;
        foreach (var file in new DirectoryInfo(spool.Claims).EnumerateFiles())
        {
            if (file.LastWriteTimeUtc < limit)
            {
                DurableFile.TryDelete(file.FullName);
                swept++;
            }
        }

        if (swept > 0)
        {
            LogSwept(logger, swept, spool.Claims);
        }

        return swept;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Swept {Count} orphan claim-check files from {Folder}")]
    private static partial void LogSwept(ILogger logger, int count, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claim-check sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
