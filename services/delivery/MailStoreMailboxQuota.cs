using Facteur.MailStore.Index;

namespace Facteur.Delivery;

/// <summary>
/// Quota from the mail store: the user's usage over all folders (from each folder's index, cached a
/// few seconds) against <c>Mailbox:QuotaBytes</c>. With no limit configured it answers without I/O.
/// </summary>
internal sealed class MailStoreMailboxQuota(MessageStore store) : IMailboxQuota
{
    public async ValueTask<bool> HasRoomAsync(string mailbox, long size, CancellationToken cancellationToken) =>
        await store.HasRoomAsync(mailbox, size, cancellationToken).ConfigureAwait(false);
}
