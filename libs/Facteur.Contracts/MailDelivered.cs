namespace Facteur.Contracts;

/// <summary>
/// Published by delivery after a copy is durable in a Maildir; mailbox-api replicas use it to
/// wake IDLE sessions. <see cref="FileName"/> is the Maildir file name in new/ (no UID: UIDs
/// are assigned by whoever reads the folder first).
/// </summary>
public sealed record MailDelivered
{
    /// <summary>The mailbox owner, user@domain.</summary>
    public required string Mailbox { get; init; }

    /// <summary>IMAP folder name, "INBOX" or e.g. "Junk".</summary>
    public required string Folder { get; init; }

    public required string FileName { get; init; }

    public required string QueueId { get; init; }

    public required DateTimeOffset DeliveredAt { get; init; }
}
