using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>One host to try, in order: its name (for TLS and logs), addresses and port.</summary>
internal sealed record RelayHost(string Name, IReadOnlyList<IPAddress> Addresses, int Port);

/// <summary>Where a domain's mail goes, or why it cannot go anywhere.</summary>
internal sealed record Destination(IReadOnlyList<RelayHost> Hosts, string? PermanentError, string? TemporaryError)
{
    public static Destination Permanent(string error) => new([], error, null);

    public static Destination Temporary(string error) => new([], null, error);
}

/// <summary>
/// MX resolution (RFC 5321 §5.1) with DnsClient: MX hosts by preference (equal preferences
/// shuffled), A/AAAA fallback when the domain has no MX, null MX (RFC 7505) as a permanent
/// failure, NXDOMAIN as a permanent failure and SERVFAIL/timeouts as temporary ones.
/// <c>Relay:DnsServers</c> picks the resolvers (tests run their own).
/// </summary>
internal sealed class DestinationResolver
{
    private readonly ILookupClient dns;
    private readonly int port;

    public DestinationResolver(IOptions<RelayOptions> options)
    {
        var relay = options.Value;
        port = relay.Port;
        dns = CreateLookupClient(relay.DnsServers);
    }

    public ILookupClient Dns => dns;

    internal static ILookupClient CreateLookupClient(IReadOnlyList<string> servers)
    {
        var endpoints = servers.Select(ParseServer).ToArray();
        var options = endpoints.Length > 0 ? new LookupClientOptions(endpoints) : new LookupClientOptions();
        options.UseCache = endpoints.Length == 0;
        options.Timeout = TimeSpan.FromSeconds(5);
        options.Retries = 2;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.ContinueOnEmptyResponse = false;
        return new LookupClient(options);
    }

    private static IPEndPoint ParseServer(string server)
    {
        if (IPEndPoint.TryParse(server, out var endpoint))
        {
            if (endpoint.Port == 0)
            {
                endpoint.Port = 53;
            }

            return endpoint;
        }

        throw new FormatException($"Relay:DnsServers entry '{server}' is not ip or ip:port.");
    }

    public async Task<Destination> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        IDnsQueryResponse mx;
        try
        {
            mx = await dns.QueryAsync(domain, QueryType.MX, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException e)
        {
            return Destination.Temporary($"DNS lookup of MX {domain} failed: {e.Message}");
        }

        if (mx.HasError)
        {
            return mx.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain
                ? Destination.Permanent($"Domain {domain} does not exist (NXDOMAIN)")
                : Destination.Temporary($"DNS lookup of MX {domain} failed: {mx.ErrorMessage}");
        }

        var records = mx.Answers.MxRecords().ToList();
        if (records.Count == 1 && records[0].Exchange.Value.TrimEnd('.').Length == 0)
        {
            // RFC 7505 §3: a single MX with exchange "." says the domain accepts no mail.
            return Destination.Permanent($"Domain {domain} does not accept mail (null MX)");
        }

        var names = records.Count == 0
            ? [domain] // RFC 5321 §5.1: no MX → the domain itself is the implicit MX.
            : records.Where(r => r.Exchange.Value.TrimEnd('.').Length > 0)
                .GroupBy(r => r.Preference)
                .OrderBy(g => g.Key)
                .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
                .Select(r => r.Exchange.Value.TrimEnd('.'))
                .ToList();

        var hosts = new List<RelayHost>();
        string? lastError = null;
        foreach (var name in names)
        {
            var (addresses, error) = await AddressesAsync(name, cancellationToken).ConfigureAwait(false);
            if (addresses.Count > 0)
            {
                hosts.Add(new RelayHost(name, addresses, port));
            }
            else
            {
                lastError = error;
            }
        }

        if (hosts.Count == 0)
        {
            return records.Count == 0 && lastError is null
                ? Destination.Permanent($"Domain {domain} has no MX and no address")
                : Destination.Temporary(lastError ?? $"No address for the MX hosts of {domain}");
        }

        return new Destination(hosts, null, null);
    }

    /// <summary>A and AAAA of a host (IPv4 first: loopback tests and most MXs), or why none.</summary>
    public async Task<(IReadOnlyList<IPAddress> Addresses, string? Error)> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return ([literal], null);
        }

        var addresses = new List<IPAddress>();
        string? error = null;
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            try
            {
                var response = await dns.QueryAsync(host, type, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (response.HasError)
                {
                    if (response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
                    {
                        error = string.Create(CultureInfo.InvariantCulture, $"DNS lookup of {type} {host} failed: {response.ErrorMessage}");
                    }

                    continue;
                }

                addresses.AddRange(response.Answers.OfType<AddressRecord>().Select(r => r.Address));
            }
            catch (DnsResponseException e)
            {
                error = $"DNS lookup of {type} {host} failed: {e.Message}";
            }
        }

        return (addresses, error);
    }

    /// <summary>TXT strings of a name (each record's strings joined), empty when none.</summary>
    public async Task<IReadOnlyList<string>> TxtAsync(string name, CancellationToken cancellationToken)
    {
        var response = await dns.QueryAsync(name, QueryType.TXT, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasError ? [] : response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
    }
}
