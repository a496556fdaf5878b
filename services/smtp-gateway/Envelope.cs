namespace Facteur.SmtpGateway;

/// <summary>One SMTP transaction's envelope as the session accepted it (RFC 5321 §3.3).</summary>
internal sealed record Envelope
{
    public required string QueueId { get; init; }

    /// <summary>Reverse-path without brackets; empty for the null sender.</summary>
    public required string ReversePath { get; init; }

    /// <summary>Forward-paths that got 250 at RCPT.</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public string? ClientAddress { get; init; }

    public string? HeloName { get; init; }

    public string? AuthenticatedUser { get; init; }

    /// <summary>RFC 3461 parameters (see <c>MailReceived</c>).</summary>
    public string? EnvelopeId { get; init; }

    public string? DsnReturn { get; init; }

    public IReadOnlyDictionary<string, string>? DsnNotify { get; init; }

    public IReadOnlyDictionary<string, string>? OriginalRecipients { get; init; }
}
