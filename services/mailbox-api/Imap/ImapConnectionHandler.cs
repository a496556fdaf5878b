using Facteur.Accounts;
using Facteur.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Imap;

/// <summary>Kestrel's entry point for IMAP connections, on both the STARTTLS and the implicit-TLS listener.</summary>
internal sealed class ImapConnectionHandler(
    IOptionsMonitor<ImapOptions> options,
    IOptions<FacteurOptions> facteur,
    ImapLoginThrottle throttle,
    ImapConnectionLimiter limiter,
    ImapTelemetry telemetry,
    IServiceProvider services,
    ILogger<ImapConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var sessionServices = new ImapSessionServices(
            options.CurrentValue,
            facteur.Value,
            services.GetRequiredService<IPasswordAuthenticator>(),
            throttle,
            limiter,
            telemetry,
            services.GetService<IServerCertificate>(),
            logger);
        var session = new ImapSession(connection, sessionServices);
        await session.RunAsync(connection.ConnectionClosed).ConfigureAwait(false);
    }
}
