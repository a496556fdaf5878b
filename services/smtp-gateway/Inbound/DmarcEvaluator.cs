namespace Facteur.SmtpGateway.Inbound;

/// <summary>A DMARC verdict (RFC 7489 §6.6.2) and the policy that applies to it.</summary>
internal sealed record DmarcVerdict(string Result, string? Policy, string? FromDomain);

/// <summary>
/// DMARC (RFC 7489): the RFC5322.From domain's policy at <c>_dmarc.&lt;from&gt;</c>, else at the
/// organizational domain's (§6.6.3, with <c>sp=</c> for subdomains); pass when SPF passed for an
/// aligned MAIL FROM domain or a DKIM signature passed for an aligned d= (§3.1, relaxed or strict
/// per aspf/adkim). pct= is not sampled: a policy applies to all failing mail.
/// <para>Organizational domain: a simple public-suffix rule rather than the full Public Suffix List
/// — the last two labels, or three when the second-level label is a common registry label under a
/// two-letter ccTLD (example.co.uk, example.com.sn). Documented in the README as a limit.</para>
/// </summary>
internal sealed class DmarcEvaluator(IInboundDns dns)
{
    private static readonly HashSet<string> SecondLevelRegistryLabels = new(StringComparer.OrdinalIgnoreCase)
    {
        "co", "com", "net", "org", "ac", "gov", "edu", "gouv", "or", "ne", "go",
    };

    public async Task<DmarcVerdict> EvaluateAsync(string? fromDomain, SpfResult spf, string spfDomain, IReadOnlyList<DkimVerdict> dkim, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(fromDomain))
        {
            return new DmarcVerdict("none", null, null);
        }

        fromDomain = fromDomain.ToLowerInvariant();
        var organization = OrganizationalDomain(fromDomain);
        Dictionary<string, string>? record;
        var subdomainPolicy = false;
        try
        {
            record = await RecordAsync(fromDomain, cancellationToken).ConfigureAwait(false);
            if (record is null && organization != fromDomain)
            {
                record = await RecordAsync(organization, cancellationToken).ConfigureAwait(false);
                subdomainPolicy = record is not null;
            }
        }
        catch (InboundDnsException)
        {
            return new DmarcVerdict("temperror", null, fromDomain);
        }

        if (record is null)
        {
            return new DmarcVerdict("none", null, fromDomain);
        }

        var policy = subdomainPolicy && record.TryGetValue("sp", out var sp) ? sp : record.GetValueOrDefault("p", "none");
        policy = policy.ToLowerInvariant();
        var strictSpf = record.GetValueOrDefault("aspf", "r").Equals("s", StringComparison.OrdinalIgnoreCase);
        var strictDkim = record.GetValueOrDefault("adkim", "r").Equals("s", StringComparison.OrdinalIgnoreCase);
        var spfAligned = spf == SpfResult.Pass && Aligned(spfDomain, fromDomain, strictSpf);
        var dkimAligned = dkim.Any(d => d.Result == "pass" && d.Domain is { } signer && Aligned(signer, fromDomain, strictDkim));
        return new DmarcVerdict(spfAligned || dkimAligned ? "pass" : "fail", policy, fromDomain);
    }

    private async Task<Dictionary<string, string>?> RecordAsync(string domain, CancellationToken cancellationToken)
    {
        var records = (await dns.TxtAsync("_dmarc." + domain, cancellationToken).ConfigureAwait(false))
            .Where(t => t.StartsWith("v=DMARC1", StringComparison.Ordinal))
            .ToList();

        // §6.6.3: exactly one record, else none applies.
        return records.Count == 1 ? DkimChecker.Tags(records[0]) : null;
    }

    private static bool Aligned(string domain, string fromDomain, bool strict) =>
        strict
            ? domain.Equals(fromDomain, StringComparison.OrdinalIgnoreCase)
            : OrganizationalDomain(domain.ToLowerInvariant()) == OrganizationalDomain(fromDomain);

    internal static string OrganizationalDomain(string domain)
    {
        var labels = domain.TrimEnd('.').Split('.');
        if (labels.Length <= 2)
        {
            return string.Join('.', labels);
        }

        var keep = labels[^1].Length == 2 && SecondLevelRegistryLabels.Contains(labels[^2]) ? 3 : 2;
        return string.Join('.', labels[^Math.Min(keep, labels.Length)..]);
    }
}
