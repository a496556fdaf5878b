using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;

namespace Facteur.Migration.Tests;

/// <summary>
/// What an IMAP client that already synchronised a mailbox relies on, read with MailKit the same way from
/// Dovecot and from Facteur: every selectable folder with UIDVALIDITY and UIDNEXT, each message's UID,
/// flags and keywords, INTERNALDATE, RFC822.SIZE and a hash of BODY.PEEK[]; and the subscriptions. As text,
/// so a difference shows as a readable diff.
/// </summary>
internal static class ImapView
{
    /// <param name="folders">
    /// Only these folders, in this order (the ones the old server had); any other selectable folder must be
    /// empty, the special-use folders a new server makes at first login. Null: every folder.
    /// </param>
    public static async Task<string> ReadAsync(int port, string user, string password, IReadOnlyCollection<string>? folders = null, CancellationToken cancellationToken = default)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None, cancellationToken);
        await client.AuthenticateAsync(user, password, cancellationToken);
        var view = new StringBuilder();
        var listed = await client.GetFoldersAsync(client.PersonalNamespaces[0], cancellationToken: cancellationToken);
        foreach (var folder in listed.Where(f => !f.Attributes.HasFlag(FolderAttributes.NonExistent) && !f.Attributes.HasFlag(FolderAttributes.NoSelect)).OrderBy(f => f.FullName, StringComparer.Ordinal))
        {
            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            if (folders is not null && !folders.Contains(folder.FullName))
            {
                if (folder.Count > 0)
                {
                    view.Append(CultureInfo.InvariantCulture, $"{folder.FullName}: {folder.Count} messages in a folder the old server did not have\n");
                }

                await folder.CloseAsync(expunge: false, cancellationToken);
                continue;
            }

            view.Append(CultureInfo.InvariantCulture, $"{folder.FullName} UIDVALIDITY {folder.UidValidity} UIDNEXT {folder.UidNext?.Id}\n");
            if (folder.Count > 0)
            {
                var uids = await folder.SearchAsync(SearchQuery.All, cancellationToken);
                var summaries = await folder.FetchAsync(uids, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size, cancellationToken);
                foreach (var message in summaries.OrderBy(s => s.UniqueId.Id))
                {
                    // BODY.PEEK[]: the exact bytes, without setting \\Seen.
                    using var body = await folder.GetStreamAsync(message.UniqueId, string.Empty, cancellationToken);
                    var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(body, cancellationToken));
                    view.Append(CultureInfo.InvariantCulture, $"  {message.UniqueId.Id} ({Flags(message)}) {message.InternalDate!.Value.ToUnixTimeSeconds()} {message.Size} {hash}\n");
                }
            }

            await folder.CloseAsync(expunge: false, cancellationToken);
        }

        foreach (var missing in folders?.Except(listed.Select(f => f.FullName)) ?? [])
        {
            view.Append(CultureInfo.InvariantCulture, $"{missing}: missing\n");
        }

        var subscribed = await client.GetFoldersAsync(client.PersonalNamespaces[0], subscribedOnly: true, cancellationToken: cancellationToken);
        // INBOX is always there; whether a server also lists it as subscribed is no part of what a user set. Nor
        // are the subscriptions of the special-use folders a new server makes (and subscribes) at first login.
        var names = subscribed.Select(f => f.FullName).Where(n => n != "INBOX" && (folders is null || folders.Contains(n)));
        view.Append("subscribed: ").AppendJoin(' ', names.Order(StringComparer.Ordinal)).Append('\n');
        await client.DisconnectAsync(quit: true, cancellationToken);
        return view.ToString();
    }

    /// <summary>The folder names of a view (its lines that start a folder).</summary>
    public static List<string> FolderNames(string view) =>
        [.. view.Split('\n').Where(l => l.Contains(" UIDVALIDITY ", StringComparison.Ordinal)).Select(l => l[..l.IndexOf(" UIDVALIDITY ", StringComparison.Ordinal)])];

    private static string Flags(IMessageSummary message)
    {
        var names = new List<string>();
        foreach (var (flag, name) in (ReadOnlySpan<(MessageFlags, string)>)[(MessageFlags.Answered, "\\Answered"), (MessageFlags.Deleted, "\\Deleted"), (MessageFlags.Draft, "\\Draft"), (MessageFlags.Flagged, "\\Flagged"), (MessageFlags.Seen, "\\Seen")])
        {
            if (message.Flags!.Value.HasFlag(flag))
            {
                names.Add(name);
            }
        }

        // \Recent is per session, not something carried over.
        names.AddRange(message.Keywords.Order(StringComparer.Ordinal));
        return string.Join(' ', names);
    }
}
