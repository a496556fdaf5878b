namespace Facteur.SmtpGateway.Parsing;

/// <summary>Why a command's arguments did not parse; the handler picks the reply.</summary>
internal enum SyntaxError
{
    None,

    /// <summary>The command's own keywords or layout (e.g. missing "FROM:").</summary>
    Command,

    /// <summary>The path in angle brackets (RFC 5321 §4.1.2).</summary>
    Path,

    /// <summary>Local part over 64, domain over 255 or path over 256 octets (RFC 5321 §4.5.3.1).</summary>
    PathTooLong,

    /// <summary>A malformed esmtp-param.</summary>
    Parameter,
}
