using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Imap;

/// <summary>
/// Whether a connection's peer is the webmail (<see cref="ImapOptions.TrustedNetworks"/> or one of
/// the addresses <see cref="ImapOptions.TrustedHosts"/> resolve to). Host names exist because a
/// container's address is not known in advance: under compose the service name <c>webmail</c>
/// resolves to every webmail replica, in Kubernetes a headless Service to the webmail pods. The
/// names are resolved when a peer is not found among the addresses already known, at most once per
/// <see cref="ResolveAgainAfter"/>, so a replica started later is trusted from its first connection
/// and untrusted clients cannot turn their connections into a stream of DNS queries.
/// </summary>
internal sealed partial class TrustedPeers(IOptionsMonitor<ImapOptions> options, TimeProvider time, ILogger<TrustedPeers> logger)
{
    internal static readonly TimeSpan ResolveAgainAfter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _resolving = new(1, 1);
    private FrozenSet<IPAddress> _hostAddresses = FrozenSet<IPAddress>.Empty;
    private long _resolvedAt = long.MinValue;

    public async ValueTask<bool> IsTrustedAsync(IPAddress? peer, CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        if (peer is null)
        {
            return false;
        }

        if (current.IsTrusted(peer))
        {
            return true;
        }

        if (current.TrustedHosts.Count == 0)
        {
            return false;
        }

        var address = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        if (_hostAddresses.Contains(address))
        {
            return true;
        }

        await ResolveIfStaleAsync(current.TrustedHosts, cancellationToken).ConfigureAwait(false);
        return _hostAddresses.Contains(address);
    }

    private async Task ResolveIfStaleAsync(IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        await _resolving.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_resolvedAt != long.MinValue && time.GetElapsedTime(_resolvedAt) < ResolveAgainAfter)
            {
                return;
            }

            var addresses = new HashSet<IPAddress>();
            foreach (var host in hosts)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ResolveTimeout);
                try
                {
                    foreach (var resolved in await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false))
                    {
                        addresses.Add(resolved.IsIPv4MappedToIPv6 ? resolved.MapToIPv4() : resolved);
                    }
                }
                catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // Keep what this name resolved to before: a DNS hiccup must not turn the webmail's
                    // users into one throttled address.
                    LogResolveFailed(logger, host, ex.Message);
                    addresses.UnionWith(_hostAddresses);
                }
            }

            _hostAddresses = addresses.ToFrozenSet();
            _resolvedAt = time.GetTimestamp();
        }
        finally
        {
            _resolving.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Imap:TrustedHosts: {Host} did not resolve ({Reason}); the addresses known before stay trusted")]
    private static partial void LogResolveFailed(ILogger logger, string host, string reason);
}
