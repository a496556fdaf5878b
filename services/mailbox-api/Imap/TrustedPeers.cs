using System.Net;
using Facteur.Hosting.Peers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Imap;

/// <summary>Whether a connection's peer is the webmail: <see cref="ImapOptions.TrustedNetworks"/> or an address of <see cref="ImapOptions.TrustedHosts"/> (<see cref="PeerTrust"/>).</summary>
internal sealed class TrustedPeers(IOptionsMonitor<ImapOptions> options, TimeProvider time, ILogger<TrustedPeers> logger)
{
    private readonly PeerTrust _trust = new("Imap", time, logger);

    public ValueTask<bool> IsTrustedAsync(IPAddress? peer, CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        return _trust.IsTrustedAsync(peer, current.TrustedNetworks, current.TrustedHosts, cancellationToken);
    }
}
