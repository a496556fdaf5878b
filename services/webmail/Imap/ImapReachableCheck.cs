using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Facteur.Webmail.Imap;

/// <summary>Ready only when the IMAP server accepts TCP connections: without it no page can be served.</summary>
internal sealed class ImapReachableCheck(IOptions<WebmailOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(options.Value.ImapHost, options.Value.ImapPort, timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"IMAP {options.Value.ImapHost}:{options.Value.ImapPort} unreachable");
        }
    }
}
