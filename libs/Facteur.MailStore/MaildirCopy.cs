namespace Facteur.MailStore;

/// <summary>One copy of a message for one final mailbox and folder.</summary>
public sealed record MaildirCopy
{
    /// <summary>The final mailbox, canonical <c>user@domain</c> (after alias expansion).</summary>
    public required string Mailbox { get; init; }

    /// <summary>IMAP folder name (<c>Junk</c>, <c>Work.Projects</c>) or null for INBOX.</summary>
    public string? Folder { get; init; }

    /// <summary>The gateway's queue id: with <see cref="ReceivedAt"/>, the idempotency key of the copy.</summary>
    public required string QueueId { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>MAIL FROM without brackets, empty for the null sender; becomes <c>Return-Path</c>.</summary>
    public required string ReversePath { get; init; }

    /// <summary>
    /// True when this copy may already exist (broker redelivery, retry, spool recovery): then the
    /// writer also looks in cur/, where an IMAP client may have moved the first copy.
    /// </summary>
    public bool MayBeRedelivery { get; init; }
}

/// <summary>Where a copy is, once durable.</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="FileName">The file name (in new/, or in cur/ when an earlier copy was already seen).</param>
/// <param name="Size">Octets on disk (S=).</param>
/// <param name="AlreadyPresent">True when an earlier delivery of this copy was found and nothing was written.</param>
public sealed record MaildirDelivery(string Path, string FileName, long Size, bool AlreadyPresent);
