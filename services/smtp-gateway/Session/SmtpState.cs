namespace Facteur.SmtpGateway.Session;

/// <summary>Where a session is in RFC 5321 §4.1.4's command order.</summary>
internal enum SmtpState
{
    /// <summary>After the banner (or STARTTLS, or a failed EHLO): only greetings and harmless commands.</summary>
    Connected,

    /// <summary>After HELO/EHLO or RSET: no transaction.</summary>
    Ready,

    /// <summary>After MAIL.</summary>
    MailGiven,

    /// <summary>After at least one accepted RCPT.</summary>
    RecipientGiven,

    /// <summary>Between BDAT chunks (RFC 3030): only BDAT, RSET, NOOP, QUIT.</summary>
    Chunking,
}
