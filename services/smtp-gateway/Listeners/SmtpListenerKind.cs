namespace Facteur.SmtpGateway;

/// <summary>What a listener is for; it decides TLS, AUTH and relay rules.</summary>
internal enum SmtpListenerKind
{
    /// <summary>Port 25: mail exchange for local recipients, no AUTH, never relays.</summary>
    Mx,

    /// <summary>Port 587: STARTTLS then AUTH required before MAIL; may relay.</summary>
    Submission,

    /// <summary>Port 465: implicit TLS, AUTH required; may relay.</summary>
    Submissions,
}
