namespace Facteur.Delivery;

/// <summary>
/// Seam for quota enforcement (it arrives with the IMAP work, which knows mailbox sizes). Delivery
/// asks before each copy; a full mailbox throws <see cref="MailboxFullException"/>, a transient
/// fault: the message is retried and lands in <c>_error</c> if the mailbox stays full.
/// </summary>
public interface IMailboxQuota
{
    ValueTask<bool> HasRoomAsync(string mailbox, long size, CancellationToken cancellationToken);
}

public sealed class MailboxFullException(string mailbox) : Exception($"Mailbox {mailbox} is over quota.");
