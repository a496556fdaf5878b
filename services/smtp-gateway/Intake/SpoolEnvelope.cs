using System.Text.Json;

namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// The envelope of a standalone spool entry (<c>incoming/&lt;queueid&gt;.env</c>), enough to
/// publish the message again after a crash. JSON, written atomically (tmp, fsync, rename).
/// </summary>
internal sealed record SpoolEnvelope
{
    public required string QueueId { get; init; }

    public required string ReversePath { get; init; }

    public required IReadOnlyList<string> Recipients { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public required long Size { get; init; }

    public string? ClientAddress { get; init; }

    public string? HeloName { get; init; }

    public string? AuthenticatedUser { get; init; }

    public string? EnvelopeId { get; init; }

    public string? DsnReturn { get; init; }

    public IReadOnlyDictionary<string, string>? DsnNotify { get; init; }

    public IReadOnlyDictionary<string, string>? OriginalRecipients { get; init; }

    /// <summary>Header fields to put in front of the <c>.eml</c> octets (inbound Authentication-Results); <see cref="Size"/> counts them.</summary>
    public string? HeaderPrefix { get; init; }

    public static SpoolEnvelope From(Envelope envelope, long size) => new()
    {
        QueueId = envelope.QueueId,
        ReversePath = envelope.ReversePath,
        Recipients = envelope.Recipients,
        ReceivedAt = envelope.ReceivedAt,
        Size = size,
        ClientAddress = envelope.ClientAddress,
        HeloName = envelope.HeloName,
        AuthenticatedUser = envelope.AuthenticatedUser,
        EnvelopeId = envelope.EnvelopeId,
        DsnReturn = envelope.DsnReturn,
        DsnNotify = envelope.DsnNotify,
        OriginalRecipients = envelope.OriginalRecipients,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static SpoolEnvelope FromJson(byte[] json) =>
        JsonSerializer.Deserialize<SpoolEnvelope>(json) ?? throw new InvalidDataException("Empty spool envelope.");
}
