using MailKit;
using MailKit.Net.Imap;

namespace Facteur.Webmail.Mail;

/// <summary>The account's folders with unread and total counts (STATUS, or LIST-STATUS when the server has it).</summary>
internal static class FolderList
{
    /// <summary>The list from the session's cache when it is younger than <paramref name="lifetime"/>, else from the server.</summary>
    public static async Task<IReadOnlyList<FolderItem>> LoadAsync(Imap.ImapLease lease, TimeSpan lifetime, TimeProvider time, CancellationToken cancellationToken)
    {
        if (lease.Cache.Folders(time.GetUtcNow(), lifetime) is { } cached)
        {
            return cached;
        }

        IReadOnlyList<FolderItem> folders;
        try
        {
            folders = await LoadAsync(lease.Client, cancellationToken);
        }
        catch (ImapCommandException)
        {
            // Facteur's IMAP answers NO to LIST … RETURN (STATUS) when the folder this connection
            // has selected was renamed or deleted through another connection (another replica of
            // the same session): select INBOX and ask once more.
            await lease.Client.Inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            folders = await LoadAsync(lease.Client, cancellationToken);
        }

        lease.Cache.KeepFolders(folders, time.GetUtcNow());
        return folders;
    }

    public static async Task<IReadOnlyList<FolderItem>> LoadAsync(ImapClient client, CancellationToken cancellationToken)
    {
        var personal = client.PersonalNamespaces[0];
        var folders = await client.GetFoldersAsync(personal, StatusItems.Unread | StatusItems.Count, subscribedOnly: false, cancellationToken);
        var selectable = folders
            .Where(folder => !folder.Attributes.HasFlag(FolderAttributes.NoSelect) && !folder.Attributes.HasFlag(FolderAttributes.NonExistent))
            .ToList();
        if (!selectable.Any(folder => folder.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)))
        {
            await client.Inbox.StatusAsync(StatusItems.Unread | StatusItems.Count, cancellationToken);
            selectable.Insert(0, client.Inbox);
        }

        return [.. SpecialFolders.Ordered(selectable).Select(folder => new FolderItem(
            folder.FullName,
            folder.Name,
            SpecialFolders.KindOf(folder),
            folder.Unread,
            folder.Count,
            personal.DirectorySeparator == '\0' ? 0 : folder.FullName.Count(c => c == personal.DirectorySeparator)))];
    }
}
