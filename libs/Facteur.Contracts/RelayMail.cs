using MassTransit;

namespace Facteur.Contracts;

/// <summary>
/// A command to the outbound relay: hand these recipients, all in one destination domain,
/// to that domain's MX. Published by delivery for the remote recipients of a message.
/// </summary>
public sealed record RelayMail
{
    public required string QueueId { get; init; }
    public required string ReversePath { get; init; }
    public required string Domain { get; init; }
    public required IReadOnlyList<string> Recipients { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required long Size { get; init; }
    public byte[]? Content { get; init; }
    public MessageData<Stream>? LargeContent { get; init; }

    /// <summary>Relay attempts already made (0 for the first hand-off); set by the relay when it schedules a retry.</summary>
    public int Attempts { get; init; }

    /// <summary>True once a delay DSN (RFC 3464 action=delayed) went to the sender.</summary>
    public bool DelayWarned { get; init; }

    /// <summary>RFC 3461 §4.4 ENVID given at MAIL FROM, carried to the next hop and into DSNs.</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>RFC 3461 §4.3 RET: "FULL" or "HDRS" (null: the relay's default, headers only).</summary>
    public string? DsnReturn { get; init; }

    /// <summary>RFC 3461 §4.1 NOTIFY per recipient ("NEVER" or a comma list of SUCCESS, FAILURE, DELAY); absent = FAILURE,DELAY.</summary>
    public IReadOnlyDictionary<string, string>? DsnNotify { get; init; }

    /// <summary>RFC 3461 §4.2 ORCPT per recipient ("rfc822;user@example.org").</summary>
    public IReadOnlyDictionary<string, string>? OriginalRecipients { get; init; }
}
