using System.Text;

namespace Facteur.Accounts.Addresses;

/// <summary>
/// An address <c>local@domain</c> as the accounts files and the resolver see it: the text as written, and a
/// lookup key (local part NFC-normalised and lower-cased, domain in lower-case A-label form).
/// </summary>
/// <remarks>
/// Local parts are compared case-insensitively, as Postfix's table lookups and a Dovecot set up with
/// <c>auth_username_format = %Lu</c> do, although RFC 5321 section 2.4 lets a server treat them as case-sensitive.
/// </remarks>
internal readonly record struct MailAddress(string Text, string LocalPart, string Domain)
{
    /// <summary>Lower-case local part @ A-label domain.</summary>
    public string Key => LookupKey(LocalPart, Domain);

    public static string LookupKey(string localPart, string asciiDomain) =>
        localPart.Normalize(NormalizationForm.FormC).ToLowerInvariant() + "@" + asciiDomain;

    /// <summary>
    /// Parses <c>local@domain</c> (split at the last '@'). Rejects empty parts, control characters, white space
    /// and invalid domains. Quoted local parts arrive here already unquoted from the SMTP path parser.
    /// </summary>
    public static bool TryParse(string? text, out MailAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }

        var local = text[..at];
        foreach (var c in local)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        if (!DomainName.TryNormalize(text[(at + 1)..], out var domain))
        {
            return false;
        }

        address = new MailAddress(text, local, domain);
        return true;
    }

    /// <summary>
    /// The local part without its extension (<c>user+tag</c> → <c>user</c>), or null when there is no delimiter.
    /// Postfix's recipient_delimiter: each character of <paramref name="delimiters"/> is a delimiter; the first one found splits.
    /// </summary>
    public string? LocalPartWithoutExtension(string delimiters)
    {
        if (delimiters.Length == 0)
        {
            return null;
        }

        var index = LocalPart.IndexOfAny(delimiters.ToCharArray());
        return index > 0 ? LocalPart[..index] : null;
    }
}
