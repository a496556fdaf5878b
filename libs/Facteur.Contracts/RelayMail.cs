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
}
