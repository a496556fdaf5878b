using Facteur.Accounts;
using Facteur.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Pop3;

/// <summary>Kestrel's entry point for POP3 connections, on both the STLS and the implicit-TLS listener.</summary>
internal sealed class Pop3ConnectionHandler(
    IOptionsMonitor<Pop3Options> options,
    IOptions<FacteurOptions> facteur,
    LoginThrottle<Pop3Options> throttle,
    MaildropCache maildrops,
    Pop3Telemetry telemetry,
    IServiceProvider services,
    ILogger<Pop3ConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var sessionServices = new Pop3SessionServices(
            options.CurrentValue,
            facteur.Value,
            services.GetRequiredService<IPasswordAuthenticator>(),
            throttle,
            maildrops,
            telemetry,
            services.GetService<IServerCertificate>(),
            logger);
        var session = new Pop3Session(connection, sessionServices);
        await session.RunAsync(connection.ConnectionClosed).ConfigureAwait(false);
    }
}
