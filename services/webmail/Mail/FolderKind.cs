using MailKit;
using MailKit.Net.Imap;

namespace Facteur.Webmail.Mail;

internal enum FolderKind
{
    None,
    Inbox,
    Drafts,
    Sent,
    Archive,
    Junk,
    Trash,
}

/// <summary>
/// Finds the special-use folders (RFC 6154 attributes when the server sends them, else the
/// Maildir++ names of DESIGN.md) and orders the list as users expect: Inbox, Drafts, Sent,
/// Archive, Junk, Trash, then the others by name.
/// </summary>
internal static class SpecialFolders
{
    private static readonly Dictionary<FolderKind, string[]> Names = new()
    {
        [FolderKind.Drafts] = ["Drafts", "Brouillons"],
        [FolderKind.Sent] = ["Sent", "Sent Messages", "Sent Items", "Envoyés"],
        [FolderKind.Archive] = ["Archive", "Archives"],
        [FolderKind.Junk] = ["Junk", "Spam", "Indésirables"],
        [FolderKind.Trash] = ["Trash", "Deleted Messages", "Deleted Items", "Corbeille"],
    };

    public static FolderKind KindOf(IMailFolder folder)
    {
        if (folder.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return FolderKind.Inbox;
        }

        var attributes = folder.Attributes;
        if (attributes.HasFlag(FolderAttributes.Drafts)) return FolderKind.Drafts;
        if (attributes.HasFlag(FolderAttributes.Sent)) return FolderKind.Sent;
        if (attributes.HasFlag(FolderAttributes.Archive)) return FolderKind.Archive;
        if (attributes.HasFlag(FolderAttributes.Junk)) return FolderKind.Junk;
        if (attributes.HasFlag(FolderAttributes.Trash)) return FolderKind.Trash;

        // Only top-level folders count by name: "Work.Sent" is the user's own.
        if (folder.ParentFolder is null || string.IsNullOrEmpty(folder.ParentFolder.FullName))
        {
            foreach (var (kind, names) in Names)
            {
                if (names.Contains(folder.Name, StringComparer.OrdinalIgnoreCase))
                {
                    return kind;
                }
            }
        }

        return FolderKind.None;
    }

    public static IReadOnlyList<IMailFolder> Ordered(IEnumerable<IMailFolder> folders) =>
        [.. folders
            .OrderBy(folder => KindOf(folder) is var kind && kind == FolderKind.None ? int.MaxValue : (int)kind)
            .ThenBy(folder => folder.FullName, StringComparer.CurrentCultureIgnoreCase)];

    /// <summary>The folder of that kind, created (with its Maildir++ name) when the account has none yet.</summary>
    public static async Task<IMailFolder> GetOrCreateAsync(ImapClient client, FolderKind kind, CancellationToken cancellationToken)
    {
        if (kind == FolderKind.Inbox)
        {
            return client.Inbox;
        }

        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var all = await client.GetFoldersAsync(client.PersonalNamespaces[0], cancellationToken: cancellationToken);
        var found = all.FirstOrDefault(folder => KindOf(folder) == kind);
        if (found is not null)
        {
            return found;
        }

        var created = await root.CreateAsync(Names[kind][0], true, cancellationToken)
            ?? throw new InvalidOperationException($"the server did not create {Names[kind][0]}");
        try
        {
            await created.SubscribeAsync(cancellationToken);
        }
        catch (ImapCommandException)
        {
            // Subscriptions are a nicety for other clients.
        }

        return created;
    }
}
