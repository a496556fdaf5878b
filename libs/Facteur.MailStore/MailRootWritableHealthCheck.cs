using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Facteur.MailStore;

/// <summary>
/// Readiness: the mail root exists and a file can be created and removed in it. A read-only or
/// full volume makes delivery fail every message, so the worker should stop taking them.
/// </summary>
public sealed class MailRootWritableHealthCheck(string mailRoot) : IHealthCheck
{
    public const string Name = "mail-root-writable";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = Path.Combine(mailRoot, $".facteur-health.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(mailRoot);
            await File.WriteAllBytesAsync(probe, [0x0a], cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
            return HealthCheckResult.Healthy($"{mailRoot} is writable");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"{mailRoot} is not writable: {ex.Message}", ex);
        }
    }
}
