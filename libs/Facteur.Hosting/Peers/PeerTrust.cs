using System.Collections.Frozen;
using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Facteur.Hosting.Peers;

/// <summary>
/// Whether a connection's peer is a trusted front end — the webmail — by its networks (CIDR) or by host names
/// resolved to its addresses. Host names exist because a container's address is not known in advance: under
/// compose the service name <c>webmail</c> resolves to every webmail replica, in Kubernetes a headless Service
/// to the webmail pods. The names are resolved when a peer is not found among the addresses already known, at
/// most once per <see cref="ResolveAgainAfter"/>, so a replica started later is trusted from its first
/// connection and untrusted clients cannot turn their connections into a stream of DNS queries.
/// One instance per setting (<c>Imap:</c>, <c>Smtp:</c>): each keeps the addresses its names resolved to.
/// </summary>
public sealed partial class PeerTrust(string section, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan ResolveAgainAfter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _resolving = new(1, 1);
    private FrozenSet<IPAddress> _hostAddresses = FrozenSet<IPAddress>.Empty;
    private long _resolvedAt = long.MinValue;
    private ParsedNetworks? _parsed;

    /// <summary>True when <paramref name="peer"/> is in one of <paramref name="networks"/> or is an address of one of <paramref name="hosts"/>.</summary>
    public async ValueTask<bool> IsTrustedAsync(IPAddress? peer, IReadOnlyList<string> networks, IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        if (peer is null)
        {
            return false;
        }

        var address = Normalize(peer);
        if (InNetworks(address, networks))
        {
            return true;
        }

        if (hosts.Count == 0)
        {
            return false;
        }

        if (_hostAddresses.Contains(address))
        {
            return true;
        }

        await ResolveIfStaleAsync(hosts, cancellationToken).ConfigureAwait(false);
        return _hostAddresses.Contains(address);
    }

    /// <summary>An IPv4 client of a dual-stack socket as the IPv4 address it is.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The validation errors of a <c>TrustedNetworks</c> / <c>TrustedHosts</c> pair of settings under <paramref name="section"/>.</summary>
    public static IEnumerable<ValidationResult> Validate(string section, IEnumerable<string> networks, IEnumerable<string> hosts)
    {
        foreach (var network in networks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                yield return new ValidationResult($"{section}:TrustedNetworks: '{network}' is not a network in CIDR form (e.g. 10.0.0.0/8)", ["TrustedNetworks"]);
            }
        }

        foreach (var host in hosts)
        {
            if (Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
            {
                yield return new ValidationResult($"{section}:TrustedHosts: '{host}' is not a host name (e.g. webmail)", ["TrustedHosts"]);
            }
        }
    }

    private bool InNetworks(IPAddress address, IReadOnlyList<string> networks)
    {
        if (networks.Count == 0)
        {
            return false;
        }

        // Parsed once per list: options are validated at start, and a reload brings a new list.
        var parsed = _parsed;
        if (parsed is null || !ReferenceEquals(parsed.From, networks))
        {
            parsed = new ParsedNetworks(networks, [.. networks.Select(n => IPNetwork.Parse(n))]);
            _parsed = parsed;
        }

        return parsed.Networks.Any(n => n.Contains(address));
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
                        addresses.Add(Normalize(resolved));
                    }
                }
                catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // Keep what this name resolved to before: a DNS hiccup must not turn the webmail's
                    // users into one throttled address.
                    LogResolveFailed(logger, section, host, ex.Message);
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

    private sealed record ParsedNetworks(IReadOnlyList<string> From, IPNetwork[] Networks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Section}:TrustedHosts: {Host} did not resolve ({Reason}); the addresses known before stay trusted")]
    private static partial void LogResolveFailed(ILogger logger, string section, string host, string reason);
}
