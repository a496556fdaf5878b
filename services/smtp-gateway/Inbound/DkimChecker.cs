using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Facteur.SmtpGateway.Inbound;

/// <summary>One DKIM-Signature's verdict (RFC 8601 §2.7.1: pass, fail, neutral for unusable, temperror).</summary>
internal sealed record DkimVerdict(string Result, string? Domain, string? Selector);

/// <summary>
/// DKIM verification (RFC 6376 §6) of every DKIM-Signature with MimeKit's DkimVerifier, keys
/// looked up in DNS at <c>&lt;s&gt;._domainkey.&lt;d&gt;</c>. The message is read from the spooled
/// file (MimeKit's persistent parse keeps bodies on disk, not in memory).
/// </summary>
internal sealed class DkimChecker(IInboundDns dns)
{
    public async Task<IReadOnlyList<DkimVerdict>> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var verifier = new DkimVerifier(new Locator(dns));
        var verdicts = new List<DkimVerdict>();
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.DkimSignature))
        {
            var tags = Tags(header.Value);
            tags.TryGetValue("d", out var domain);
            tags.TryGetValue("s", out var selector);
            try
            {
                var ok = await verifier.VerifyAsync(message, header, cancellationToken).ConfigureAwait(false);
                verdicts.Add(new DkimVerdict(ok ? "pass" : "fail", domain, selector));
            }
            catch (InboundDnsException)
            {
                verdicts.Add(new DkimVerdict("temperror", domain, selector));
            }
            catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or InvalidOperationException or ParseException)
            {
                // Malformed signature, unknown algorithm, no key published: RFC 8601 permerror/neutral.
                verdicts.Add(new DkimVerdict(e is InvalidOperationException ? "permerror" : "neutral", domain, selector));
            }
        }

        return verdicts;
    }

    internal static Dictionary<string, string> Tags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in value.Split(';'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                tags[part[..equals].Trim()] = string.Concat(part[(equals + 1)..].Where(c => !char.IsWhiteSpace(c)));
            }
        }

        return tags;
    }

    private sealed class Locator(IInboundDns dns) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

        public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            var records = await dns.TxtAsync($"{selector}._domainkey.{domain}", cancellationToken).ConfigureAwait(false);
            var record = records.FirstOrDefault() ?? throw new InvalidOperationException($"no DKIM key at {selector}._domainkey.{domain}");
            return GetPublicKey(record);
        }
    }
}
