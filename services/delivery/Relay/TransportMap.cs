using System.Globalization;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>A transport-map next hop: a host (MX lookup unless <see cref="NoMxLookup"/>), port, and TLS policy.</summary>
internal sealed record NextHop(string Host, int? Port, bool NoMxLookup, bool RequireTls);

/// <summary>
/// Postfix transport(5)-style routing, read once at start from <c>Relay:TransportMapFile</c>:
/// <code>
/// example.org   smtp:[relay.example.net]:587
/// .example.org  smtp:[relay.example.net]:587      (subdomains)
/// *             smtp:[smarthost.provider.net]:587 encrypt
/// </code>
/// As in Postfix, <c>[host]</c> means "this host, no MX lookup"; a bare host is looked up as a
/// mail domain. An optional third word <c>encrypt</c> (Postfix's smtp_tls_security_level name)
/// makes TLS mandatory for that next hop; credentials (<see cref="RelayCredentials"/>) are
/// offered only over TLS. Lookups: exact domain, then parent domains written with a leading
/// dot, then <c>*</c>.
/// </summary>
internal sealed class TransportMap
{
    private readonly Dictionary<string, NextHop> entries = new(StringComparer.OrdinalIgnoreCase);

    public TransportMap(IOptions<RelayOptions> options)
    {
        if (options.Value.TransportMapFile is { Length: > 0 } file)
        {
            Load(File.ReadAllLines(file));
        }
    }

    internal TransportMap(IEnumerable<string> lines) => Load(lines);

    public int Count => entries.Count;

    private void Load(IEnumerable<string> lines)
    {
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var words = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2)
            {
                throw new FormatException($"Transport map line {number}: expected 'domain nexthop'.");
            }

            entries[words[0]] = ParseNextHop(words[1], words.Skip(2).Any(w => w.Equals("encrypt", StringComparison.OrdinalIgnoreCase)), number);
        }
    }

    private static NextHop ParseNextHop(string text, bool requireTls, int number)
    {
        // transport:nexthop; only the smtp transport exists here.
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !text[..colon].Equals("smtp", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"Transport map line {number}: '{text}' is not smtp:host[:port].");
        }

        var hop = text[(colon + 1)..];
        var noMx = hop.StartsWith('[');
        string host;
        string? portText = null;
        if (noMx)
        {
            var close = hop.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"Transport map line {number}: unclosed '['.");
            }

            host = hop[1..close];
            if (close + 1 < hop.Length)
            {
                portText = hop[(close + 1)..].TrimStart(':');
            }
        }
        else
        {
            var parts = hop.Split(':', 2);
            host = parts[0];
            portText = parts.Length > 1 ? parts[1] : null;
        }

        int? port = null;
        if (!string.IsNullOrEmpty(portText))
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                throw new FormatException($"Transport map line {number}: bad port '{portText}'.");
            }

            port = p;
        }

        if (host.Length == 0)
        {
            throw new FormatException($"Transport map line {number}: empty host.");
        }

        return new NextHop(host, port, noMx, requireTls);
    }

    /// <summary>The next hop for a recipient domain, or null for plain MX routing.</summary>
    public NextHop? Find(string domain)
    {
        if (entries.TryGetValue(domain, out var exact))
        {
            return exact;
        }

        for (var dot = domain.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = domain.IndexOf('.', dot + 1))
        {
            if (entries.TryGetValue(domain[dot..], out var parent))
            {
                return parent;
            }
        }

        return entries.GetValueOrDefault("*");
    }
}
