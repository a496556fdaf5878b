using System.Net;
using Facteur.Hosting.Peers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway.Session;

/// <summary>Whether a session's peer is the webmail: <see cref="SmtpOptions.TrustedNetworks"/> or an address of <see cref="SmtpOptions.TrustedHosts"/> (<see cref="PeerTrust"/>).</summary>
internal sealed class SmtpTrustedPeers(IOptions<SmtpOptions> options, TimeProvider time, ILogger<SmtpTrustedPeers> logger)
{
    private readonly PeerTrust _trust = new(SmtpOptions.SectionName, time, logger);

    public ValueTask<bool> IsTrustedAsync(IPAddress peer, CancellationToken cancellationToken)
    {
        var current = options.Value;
        return _trust.IsTrustedAsync(peer, current.TrustedNetworks, current.TrustedHosts, cancellationToken);
    }
}
