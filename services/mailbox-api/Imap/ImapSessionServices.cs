using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.MailboxApi.Imap.Framing;
using Facteur.MailStore.Index;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Imap;

/// <summary>What every session needs from DI, resolved once per connection.</summary>
internal sealed record ImapSessionServices(
    ImapOptions Options,
    FacteurOptions Facteur,
    IPasswordAuthenticator Authenticator,
    LoginThrottle<ImapOptions> Throttle,
    ImapConnectionLimiter Limiter,
    TrustedPeers TrustedPeers,
    ImapTelemetry Telemetry,
    MessageStore Store,
    IServerCertificate? Certificate,
    LiteralSpill Spill,
    ILogger Logger,
    CancellationToken Stopping);
