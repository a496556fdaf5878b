using Facteur.Accounts;
using Facteur.Hosting;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Imap;

/// <summary>What every session needs from DI, resolved once per connection.</summary>
internal sealed record ImapSessionServices(
    ImapOptions Options,
    FacteurOptions Facteur,
    IPasswordAuthenticator Authenticator,
    ImapLoginThrottle Throttle,
    ImapConnectionLimiter Limiter,
    ImapTelemetry Telemetry,
    IServerCertificate? Certificate,
    ILogger Logger);
