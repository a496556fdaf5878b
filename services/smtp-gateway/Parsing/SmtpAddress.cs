namespace Facteur.SmtpGateway.Parsing;

/// <summary>
/// A mailbox from a path: the local part exactly as the client sent it (quoted form kept: local
/// parts are case-sensitive by RFC 5321 §2.4), the domain lower-cased (domains are not).
/// </summary>
internal readonly record struct SmtpAddress(string LocalPart, string Domain)
{
    /// <summary>True when either part holds UTF-8 (RFC 6531 needs SMTPUTF8 on MAIL).</summary>
    public bool IsInternationalized => !System.Text.Ascii.IsValid(LocalPart) || !System.Text.Ascii.IsValid(Domain);

    public override string ToString() => LocalPart + "@" + Domain;
}
