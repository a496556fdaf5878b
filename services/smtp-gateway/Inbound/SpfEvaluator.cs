using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.SmtpGateway.Inbound;

/// <summary>
/// SPF's check_host() (RFC 7208 §4): the sender domain's <c>v=spf1</c> record evaluated term by
/// term for the client IP. Mechanisms all, include, a, mx, ptr (never matches: RFC 7208 §5.5 says
/// not to use it), ip4, ip6, exists; modifiers redirect and exp (ignored: the explanation is for
/// rejections, which we leave to DMARC). Macros (§7) with transformers and delimiters, letters
/// s l o d i h v p(="unknown"). Limits (§4.6.4): 10 DNS-querying terms, 10 MX names, 2 void lookups.
/// </summary>
internal sealed class SpfEvaluator(IInboundDns dns)
{
    private const int LookupLimit = 10;
    private const int VoidLookupLimit = 2;

    public async Task<SpfResult> CheckHostAsync(IPAddress ip, string domain, string sender, string helo, CancellationToken cancellationToken)
    {
        var state = new State(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, sender, helo);
        try
        {
            return await CheckAsync(state, domain, cancellationToken).ConfigureAwait(false);
        }
        catch (InboundDnsException)
        {
            return SpfResult.TempError;
        }
        catch (SpfPermanentException)
        {
            return SpfResult.PermError;
        }
    }

    private async Task<SpfResult> CheckAsync(State state, string domain, CancellationToken cancellationToken)
    {
        if (!IsDomain(domain))
        {
            return SpfResult.None; // §4.3: an invalid domain gives "none"
        }

        var records = (await dns.TxtAsync(domain, cancellationToken).ConfigureAwait(false))
            .Where(t => t.Equals("v=spf1", StringComparison.OrdinalIgnoreCase) || t.StartsWith("v=spf1 ", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (records.Count == 0)
        {
            return SpfResult.None;
        }

        if (records.Count > 1)
        {
            throw new SpfPermanentException(); // §4.5
        }

        var terms = records[0]["v=spf1".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? redirect = null;
        foreach (var term in terms)
        {
            var equals = term.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && char.IsAsciiLetter(term[0]) && term[..equals].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                // Modifier (§6): name=value.
                var name = term[..equals].ToLowerInvariant();
                if (name == "redirect")
                {
                    if (redirect is not null)
                    {
                        throw new SpfPermanentException();
                    }

                    redirect = term[(equals + 1)..];
                }

                continue;
            }

            var qualifier = term[0] is '+' or '-' or '~' or '?' ? term[0] : '+';
            var mechanism = qualifier == term[0] && term[0] is '+' or '-' or '~' or '?' ? term[1..] : term;
            if (await MatchesAsync(state, domain, mechanism, cancellationToken).ConfigureAwait(false))
            {
                return qualifier switch
                {
                    '-' => SpfResult.Fail,
                    '~' => SpfResult.SoftFail,
                    '?' => SpfResult.Neutral,
                    _ => SpfResult.Pass,
                };
            }
        }

        if (redirect is not null)
        {
            Count(state);
            var target = Expand(redirect, state, domain);
            var result = await CheckAsync(state, target, cancellationToken).ConfigureAwait(false);
            return result == SpfResult.None ? throw new SpfPermanentException() : result; // §6.1
        }

        return SpfResult.Neutral; // §4.7: no match, no redirect
    }

    private async Task<bool> MatchesAsync(State state, string domain, string mechanism, CancellationToken cancellationToken)
    {
        var (name, argument) = Split(mechanism);
        switch (name)
        {
            case "all":
                return true;

            case "include":
            {
                Count(state);
                var target = Expand(argument ?? throw new SpfPermanentException(), state, domain);
                var result = await CheckAsync(state, target, cancellationToken).ConfigureAwait(false);
                return result switch
                {
                    SpfResult.Pass => true,
                    SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => false,
                    SpfResult.TempError => throw new InboundDnsException("include: temporary error"),
                    _ => throw new SpfPermanentException(), // none or permerror (§5.2)
                };
            }

            case "a":
            {
                Count(state);
                var (target, v4, v6) = DomainAndCidr(argument, state, domain);
                var addresses = await dns.AddressesAsync(target, state.Ip.AddressFamily == AddressFamily.InterNetworkV6, cancellationToken).ConfigureAwait(false);
                Void(state, addresses.Count);
                return addresses.Any(a => InNetwork(state.Ip, a, v4, v6));
            }

            case "mx":
            {
                Count(state);
                var (target, v4, v6) = DomainAndCidr(argument, state, domain);
                var exchanges = await dns.MxAsync(target, cancellationToken).ConfigureAwait(false);
                Void(state, exchanges.Count);
                if (exchanges.Count > LookupLimit)
                {
                    throw new SpfPermanentException(); // §4.6.4
                }

                foreach (var exchange in exchanges)
                {
                    var addresses = await dns.AddressesAsync(exchange, state.Ip.AddressFamily == AddressFamily.InterNetworkV6, cancellationToken).ConfigureAwait(false);
                    if (addresses.Any(a => InNetwork(state.Ip, a, v4, v6)))
                    {
                        return true;
                    }
                }

                return false;
            }

            case "ptr":
                Count(state);
                return false;

            case "exists":
            {
                Count(state);
                var target = Expand(argument ?? throw new SpfPermanentException(), state, domain);
                var addresses = await dns.AddressesAsync(target, ipv6: false, cancellationToken).ConfigureAwait(false);
                Void(state, addresses.Count);
                return addresses.Count > 0;
            }

            case "ip4" or "ip6":
            {
                if (argument is null)
                {
                    throw new SpfPermanentException();
                }

                var slash = argument.IndexOf('/', StringComparison.Ordinal);
                var network = IPAddress.TryParse(slash < 0 ? argument : argument[..slash], out var parsed)
                    ? parsed
                    : throw new SpfPermanentException();
                var family = name == "ip4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                if (network.AddressFamily != family)
                {
                    throw new SpfPermanentException();
                }

                var bits = slash < 0 ? (family == AddressFamily.InterNetwork ? 32 : 128) : ParseCidr(argument[(slash + 1)..], family == AddressFamily.InterNetwork ? 32 : 128);
                return state.Ip.AddressFamily == family && SameNetwork(state.Ip, network, bits);
            }

            default:
                throw new SpfPermanentException(); // §4.6.1: unknown mechanism
        }
    }

    private static (string Name, string? Argument) Split(string mechanism)
    {
        var cut = mechanism.IndexOfAny([':', '/']);
        if (cut < 0)
        {
            return (mechanism.ToLowerInvariant(), null);
        }

        var name = mechanism[..cut].ToLowerInvariant();
        return mechanism[cut] == ':' ? (name, mechanism[(cut + 1)..]) : (name, mechanism[cut..]);
    }

    /// <summary>a/mx argument: [domain-spec][/cidr4][//cidr6].</summary>
    private static (string Domain, int V4, int V6) DomainAndCidr(string? argument, State state, string domain)
    {
        int v4 = 32, v6 = 128;
        var spec = argument ?? string.Empty;
        var doubleSlash = spec.IndexOf("//", StringComparison.Ordinal);
        if (doubleSlash >= 0)
        {
            v6 = ParseCidr(spec[(doubleSlash + 2)..], 128);
            spec = spec[..doubleSlash];
        }

        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            v4 = ParseCidr(spec[(slash + 1)..], 32);
            spec = spec[..slash];
        }

        return (spec.Length == 0 ? domain : Expand(spec, state, domain), v4, v6);
    }

    private static int ParseCidr(string text, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && bits <= max ? bits : throw new SpfPermanentException();

    private static bool InNetwork(IPAddress ip, IPAddress candidate, int v4, int v6) =>
        ip.AddressFamily == candidate.AddressFamily && SameNetwork(ip, candidate, ip.AddressFamily == AddressFamily.InterNetwork ? v4 : v6);

    private static bool SameNetwork(IPAddress a, IPAddress b, int bits)
    {
        var x = a.GetAddressBytes();
        var y = b.GetAddressBytes();
        for (var i = 0; i < x.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((x[i] & mask) != (y[i] & mask))
            {
                return false;
            }
        }

        return true;
    }

    private static void Count(State state)
    {
        if (++state.Lookups > LookupLimit)
        {
            throw new SpfPermanentException();
        }
    }

    private static void Void(State state, int answers)
    {
        if (answers == 0 && ++state.VoidLookups > VoidLookupLimit)
        {
            throw new SpfPermanentException();
        }
    }

    /// <summary>Macro expansion (§7.3): %{letter digits r delimiters}, %%, %_ and %-.</summary>
    internal static string Expand(string spec, State state, string domain)
    {
        var output = new StringBuilder();
        for (var i = 0; i < spec.Length; i++)
        {
            if (spec[i] != '%')
            {
                output.Append(spec[i]);
                continue;
            }

            if (++i >= spec.Length)
            {
                throw new SpfPermanentException();
            }

            switch (spec[i])
            {
                case '%': output.Append('%'); continue;
                case '_': output.Append(' '); continue;
                case '-': output.Append("%20"); continue;
                case '{': break;
                default: throw new SpfPermanentException();
            }

            var close = spec.IndexOf('}', i);
            if (close < 0)
            {
                throw new SpfPermanentException();
            }

            var macro = spec[(i + 1)..close];
            i = close;
            var value = char.ToLowerInvariant(macro[0]) switch
            {
                's' => state.Sender,
                'l' => state.Sender[..state.Sender.LastIndexOf('@')],
                'o' => state.Sender[(state.Sender.LastIndexOf('@') + 1)..],
                'd' => domain,
                'i' => state.Ip.AddressFamily == AddressFamily.InterNetwork
                    ? state.Ip.ToString()
                    : string.Join('.', Convert.ToHexStringLower(state.Ip.GetAddressBytes()).ToCharArray()),
                'h' => state.Helo,
                'v' => state.Ip.AddressFamily == AddressFamily.InterNetwork ? "in-addr" : "ip6",
                'p' => "unknown",
                _ => throw new SpfPermanentException(),
            };

            var rest = macro[1..];
            var digits = new string(rest.TakeWhile(char.IsAsciiDigit).ToArray());
            rest = rest[digits.Length..];
            var reverse = rest.StartsWith('r') || rest.StartsWith('R');
            var delimiters = reverse ? rest[1..] : rest;
            var parts = value.Split(delimiters.Length > 0 ? delimiters.ToCharArray() : ['.']);
            if (reverse)
            {
                Array.Reverse(parts);
            }

            if (digits.Length > 0)
            {
                var keep = int.Parse(digits, CultureInfo.InvariantCulture);
                if (keep == 0)
                {
                    throw new SpfPermanentException();
                }

                parts = parts[Math.Max(0, parts.Length - keep)..];
            }

            output.Append(string.Join('.', parts));
        }

        return output.ToString();
    }

    private static bool IsDomain(string domain) =>
        domain.Length is > 0 and <= 253 && domain.Contains('.', StringComparison.Ordinal) && !domain.Split('.').Any(l => l.Length is 0 or > 63);

    internal sealed class State(IPAddress ip, string sender, string helo)
    {
        public IPAddress Ip { get; } = ip;

        public string Sender { get; } = sender;

        public string Helo { get; } = helo;

        public int Lookups { get; set; }

        public int VoidLookups { get; set; }
    }

    private sealed class SpfPermanentException : Exception
    {
    }
}
