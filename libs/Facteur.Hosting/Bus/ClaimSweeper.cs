using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Hosting.Bus;

/// <summary>
/// Deletes claim-check files older than <see cref="BusOptions.ClaimRetention"/>: bodies whose
/// message ended in an <c>_error</c> queue and was purged, or whose delivery crashed between the
/// last copy and the delete. Runs hourly; the retention is long enough for any retry.
/// </summary>
internal sealed partial class ClaimSweeper(MailSpool spool, IOptions<BusOptions> options, TimeProvider time, ILogger<ClaimSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
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
