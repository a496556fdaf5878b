using System.Runtime.CompilerServices;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// Message sizes the IMAP store holds in memory for an INBOX this process has open (the standalone and
/// mailbox-api host IMAP and POP3 together), as Dovecot's POP3 takes the vsize its IMAP left in the index
/// cache. Read from the store's current state as it is — no sync, no lock, no file read: a size belongs to
/// the message's key for good (a Maildir file's content never changes), so a state older than the scan still
/// gives right sizes for the keys it knows. Without it a login whose uidlist lacks <c>W</c> (a folder IMAP
/// indexed first) parsed all of <c>facteur-index</c> (≈ 1 MB for 10,000 messages) to find them.
/// </summary>
internal static class StoreKnownSizes
{
    /// <summary>The known sizes by key of <paramref name="user"/>'s INBOX at <paramref name="folderPath"/>, or null when the store does not have it open.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per scan over every message (see MaildropListing.FromSnapshot)
    public static Dictionary<string, long>? KnownSizes(MessageStore? store, string? user, string folderPath)
    {
        if (store is null || user is null || store.FindOpenFolder(user, "INBOX") is not { } open
            || !string.Equals(Path.GetFullPath(open.Path), Path.GetFullPath(folderPath), StringComparison.Ordinal))
        {
            return null;
        }

        var messages = open.State.Messages;
        var sizes = new Dictionary<string, long>(messages.Count, StringComparer.Ordinal);
        foreach (var record in messages)
        {
            if (record.KnownSize is { } size)
            {
                sizes[record.Key] = size;
            }
        }

        return sizes;
    }
}
