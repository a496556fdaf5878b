using System.ComponentModel.DataAnnotations;

namespace Facteur.Accounts;

/// <summary>
/// The accounts part of the <c>Facteur</c> section (DESIGN.md, Configuration): where users, aliases and
/// local domains come from. Bound with the same keys as <c>FacteurOptions</c>, so both read one section.
/// </summary>
public sealed class AccountsOptions
{
    public const string SectionName = "Facteur";

    /// <summary>Dovecot passwd-file: <c>user@domain:{SCHEME}hash:uid:gid:gecos:home:shell:extra</c>.</summary>
    [Required]
    public string AccountsFile { get; set; } = "/etc/facteur/accounts";

    /// <summary>Postfix virtual(5) table: <c>alias@domain target, target</c> and <c>@domain catchall@domain</c>.</summary>
    [Required]
    public string AliasesFile { get; set; } = "/etc/facteur/aliases";

    /// <summary>
    /// mydestination. Empty means <c>localhost</c> only, as Postfix's default does; the domains file adds to it.
    /// (A list default would be appended to by the configuration binder, hence empty here.)
    /// </summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>One domain a line, <c>#</c> comments (like Postfix's virtual_mailbox_domains file). Missing = none.</summary>
    [Required]
    public string DomainsFile { get; set; } = "/etc/facteur/domains";

    /// <summary>
    /// Postfix's recipient_delimiter: every character of this string separates a local part from its extension
    /// (<c>user+tag</c>). Empty disables sub-addressing.
    /// </summary>
    [RegularExpression(@"^[^@\s""]*$", ErrorMessage = "Facteur:RecipientDelimiter must not contain '@', quotes or white space.")]
    public string RecipientDelimiter { get; set; } = "+";

    /// <summary>The domains to use when <see cref="Domains"/> is empty.</summary>
    internal IReadOnlyList<string> EffectiveDomains => Domains.Count == 0 ? ["localhost"] : Domains;
}
