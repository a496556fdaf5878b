using Facteur.Accounts;
using Facteur.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Pop3;

/// <summary>The entry point of POP3 connections, on both the STLS and the implicit-TLS listener.</summary>
internal sealed class Pop3ConnectionHandler(
    IOptionsMonitor<Pop3Options> options,
    IOptions<FacteurOptions> facteur,
    LoginThrottle<Pop3Options> throttle,
    MaildropCache maildrops,
    Pop3Telemetry telemetry,
    IServiceProvider services,
    ILogger<Pop3ConnectionHandler> logger,
    IHostApplicationLifetime? lifetime = null) : MailboxConnectionHandler(lifetime)
{
    public override void TlsFailed(Exception exception, string connectionId) => Pop3Log.TlsFailed(logger, exception, connectionId);

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
        // A stopping host ends the session as a dropped connection would: no UPDATE state, nothing
        // deleted (RFC 1939 §6), and the socket closed in order rather than reset.
        using var ended = SessionEnd(connection);
        await session.RunAsync(ended.Token).ConfigureAwait(false);
    }
}
