using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.MailboxApi.Imap.Framing;
using Facteur.MailStore.Index;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Imap;

/// <summary>The entry point of IMAP connections, on both the STARTTLS and the implicit-TLS listener.</summary>
internal sealed class ImapConnectionHandler(
    IOptionsMonitor<ImapOptions> options,
    IOptions<FacteurOptions> facteur,
    LoginThrottle<ImapOptions> throttle,
    ImapConnectionLimiter limiter,
    TrustedPeers trustedPeers,
    ImapTelemetry telemetry,
    MessageStore store,
    IServiceProvider services,
    ILogger<ImapConnectionHandler> logger,
    IHostApplicationLifetime? lifetime = null) : MailboxConnectionHandler(lifetime)
{
    private readonly LiteralSpill _spill = new(Path.Combine(facteur.Value.SpoolRoot, "imap"), options, logger);

    public override void TlsFailed(Exception exception, string connectionId) => ImapLog.TlsFailed(logger, exception, connectionId);

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var sessionServices = new ImapSessionServices(
            options.CurrentValue,
            facteur.Value,
            services.GetRequiredService<IPasswordAuthenticator>(),
            throttle,
            limiter,
            trustedPeers,
            telemetry,
            store,
            services.GetService<IServerCertificate>(),
            _spill,
            logger,
            Stopping);
        var session = new ImapSession(connection, sessionServices);
        using var ended = SessionEnd(connection);
        await session.RunAsync(ended.Token).ConfigureAwait(false);
    }
}
