using MassTransit;

namespace Facteur.Contracts;

/// <summary>
/// Published by the SMTP gateway once a message has been accepted: the envelope and the
/// message (with the gateway's Received header already prepended). Small messages travel
/// inline in <see cref="Content"/>; larger ones by claim check in <see cref="LargeContent"/>
/// on the shared volume, so the broker never carries megabytes.
/// </summary>
public sealed record MailReceived
{
    /// <summary>The gateway's queue id, also in the Received header; the idempotency key of delivery.</summary>
    public required string QueueId { get; init; }

    /// <summary>MAIL FROM reverse-path without angle brackets; empty for the null sender &lt;&gt;.</summary>
    public required string ReversePath { get; init; }

    /// <summary>Accepted RCPT TO forward-paths (local part as given, domain lower-cased).</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Octets of the message as stored, Received header included.</summary>
    public required long Size { get; init; }

    public byte[]? Content { get; init; }

    public MessageData<Stream>? LargeContent { get; init; }

    public string? ClientAddress { get; init; }

    public string? HeloName { get; init; }

    /// <summary>The SASL identity when the message came from an authenticated submission session.</summary>
    public string? AuthenticatedUser { get; init; }

    /// <summary>RFC 3461 ENVID from MAIL FROM (null when not given).</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>RFC 3461 RET from MAIL FROM: "FULL" or "HDRS" (null when not given).</summary>
    public string? DsnReturn { get; init; }

    /// <summary>RFC 3461 NOTIFY per recipient, for the recipients that gave one.</summary>
    public IReadOnlyDictionary<string, string>? DsnNotify { get; init; }

    /// <summary>RFC 3461 ORCPT per recipient, for the recipients that gave one.</summary>
    public IReadOnlyDictionary<string, string>? OriginalRecipients { get; init; }
}
