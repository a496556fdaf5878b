using Facteur.Accounts;
using Facteur.Hosting;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Pop3;

/// <summary>What every session needs from DI, resolved once per connection.</summary>
internal sealed record Pop3SessionServices(
    Pop3Options Options,
    FacteurOptions Facteur,
    IPasswordAuthenticator Authenticator,
    LoginThrottle<Pop3Options> Throttle,
    MaildropCache Maildrops,
    Pop3Telemetry Telemetry,
    IServerCertificate? Certificate,
    ILogger Logger);
