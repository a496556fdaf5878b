namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// Where a session puts an accepted message. The session streams the message (its Received
/// header first, then the un-dot-stuffed content) into <see cref="ISpooledMessage.Content"/>,
/// then commits. <see cref="CommitAsync"/> returns only when the message is durable (broker
/// publisher confirm, or fsynced spool entry in the standalone host): that is when the session
/// may say 250. It throws <see cref="MailIntakeUnavailableException"/> when it can't (→ 451 4.3.0).
/// </summary>
internal interface IMailIntake
{
    ValueTask<ISpooledMessage> BeginAsync(string queueId, CancellationToken cancellationToken);

    ValueTask CommitAsync(Envelope envelope, ISpooledMessage message, CancellationToken cancellationToken);
}

/// <summary>A message being received. Disposing it without a commit discards it.</summary>
internal interface ISpooledMessage : IAsyncDisposable
{
    string QueueId { get; }

    /// <summary>Write-only stream for the message octets.</summary>
    Stream Content { get; }
}

internal sealed class MailIntakeUnavailableException(string message, Exception? inner = null, bool mayHaveReachedBroker = false) : Exception(message, inner)
{
    /// <summary>A publish was handed to the broker connection but never confirmed: the broker may hold the message.</summary>
    public bool MayHaveReachedBroker { get; } = mayHaveReachedBroker;
}
