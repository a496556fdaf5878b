using MailKit;
using MailKit.Net.Imap;

namespace Facteur.Webmail.Mail;

/// <summary>Delete (to Trash; expunge in Trash), move, mark, empty Trash.</summary>
internal static class MessageActions
{
    public static async Task DeleteAsync(ImapClient client, IMailFolder folder, IList<UniqueId> uids, CancellationToken cancellationToken)
    {
        if (SpecialFolders.KindOf(folder) == FolderKind.Trash)
        {
            await ExpungeAsync(client, folder, uids, cancellationToken);
            return;
        }

        var trash = await SpecialFolders.GetOrCreateAsync(client, FolderKind.Trash, cancellationToken);
        await MoveAsync(client, folder, uids, trash, cancellationToken);
    }

    public static async Task MoveAsync(ImapClient client, IMailFolder folder, IList<UniqueId> uids, IMailFolder target, CancellationToken cancellationToken)
    {
        await folder.MoveToAsync(uids, target, cancellationToken);
        if (!client.Capabilities.HasFlag(ImapCapabilities.Move) && !client.Capabilities.HasFlag(ImapCapabilities.UidPlus))
        {
            // Without MOVE or UIDPLUS MailKit can only COPY and flag \Deleted (RFC 9051 §6.4.8):
            // the originals disappear at the next EXPUNGE, which is now.
            await folder.ExpungeAsync(cancellationToken);
        }
    }

    public static async Task ExpungeAsync(ImapClient client, IMailFolder folder, IList<UniqueId> uids, CancellationToken cancellationToken)
    {
        await folder.AddFlagsAsync(uids, MessageFlags.Deleted, true, cancellationToken);
        if (client.Capabilities.HasFlag(ImapCapabilities.UidPlus))
        {
            await folder.ExpungeAsync(uids, cancellationToken);
        }
        else
        {
            await folder.ExpungeAsync(cancellationToken);
        }
    }

    public static async Task EmptyAsync(ImapClient client, IMailFolder folder, CancellationToken cancellationToken)
    {
        var all = await folder.SearchAsync(MailKit.Search.SearchQuery.All, cancellationToken);
        if (all.Count > 0)
        {
            await folder.AddFlagsAsync(all, MessageFlags.Deleted, true, cancellationToken);
            await folder.ExpungeAsync(cancellationToken);
        }
    }

    public static Task MarkAsync(IMailFolder folder, IList<UniqueId> uids, MessageFlags flags, bool set, CancellationToken cancellationToken) =>
        set ? folder.AddFlagsAsync(uids, flags, true, cancellationToken) : folder.RemoveFlagsAsync(uids, flags, true, cancellationToken);
}
