using Facteur.Accounts.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Accounts.Addresses;

/// <summary>
/// mydestination: <c>Facteur:Domains</c> ∪ the lines of <c>Facteur:DomainsFile</c> (re-read when it changes).
/// Compared case-insensitively with U-labels equal to their A-labels.
/// </summary>
internal sealed class LocalDomains
{
    private readonly HashSet<string> _configured = new(StringComparer.Ordinal);
    private readonly ReloadingFile<DomainsFile> _file;

    public LocalDomains(IOptions<AccountsOptions> options, TimeProvider time, ILogger<LocalDomains> logger)
    {
        foreach (var domain in options.Value.EffectiveDomains)
        {
            // Invalid names are reported by options validation and `facteur config check`; here they just never match.
            if (DomainName.TryNormalize(domain, out var key))
            {
                _configured.Add(key);
            }
        }

        _file = new ReloadingFile<DomainsFile>(
            options.Value.DomainsFile,
            "Domains",
            lines =>
            {
                var parsed = DomainsFile.Parse(lines);
                return (parsed, parsed.Domains.Count, parsed.Problems);
            },
            DomainsFile.Empty,
            time,
            logger);
    }

    public bool Contains(string domain) =>
        DomainName.TryNormalize(domain, out var key) && ContainsKey(key);

    /// <summary><paramref name="asciiKey"/> is already normalised (lower-case A-label).</summary>
    public bool ContainsKey(string asciiKey) =>
        _configured.Contains(asciiKey) || _file.Current.Keys.Contains(asciiKey);
}
