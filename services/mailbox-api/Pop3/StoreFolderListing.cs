using System.Buffers;
using System.Runtime.CompilerServices;
using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// A maildrop read from the IMAP store's in-memory state of the same INBOX, when this process has it open
/// (the standalone and mailbox-api host IMAP and POP3 together): Dovecot's POP3 reads the index its IMAP
/// keeps instead of listing the Maildir, and so does this. <see cref="MailFolder.SyncAsync"/> brings that
/// state up to date first — nothing to do while its stamp of new/, cur/ and the uidlist holds, else one
/// listing under the uidlist lock, the same UIDs from the same <c>dovecot-uidlist</c> as a POP3 scan
/// (RFC 3501 §2.3.1.1 holds either way: both assign under that lock). Declines (null: the caller scans)
/// when the folder is not open here, or when the uidlist carries a <c>P</c> extension (a UIDL kept from an
/// earlier server, which the IMAP state does not hold and RFC 1939 §7 requires to stay the same).
/// </summary>
internal static class StoreFolderListing
{
    public static async Task<MaildirSnapshot?> TryReadAsync(MessageStore? store, string? user, MaildirFolder folder, CancellationToken cancellationToken)
    {
        if (store is null || user is null || store.FindOpenFolder(user, "INBOX") is not { } open
            || !string.Equals(Path.GetFullPath(open.Path), Path.GetFullPath(folder.Path), StringComparison.Ordinal))
        {
            return null;
        }

        var state = await open.SyncAsync(cancellationToken).ConfigureAwait(false);
        // Checked after the sync: a P written later is as if written after a scan, which would not see it either.
        return HasPop3Uidls(folder.UidListPath) ? null : ToSnapshot(state);
    }

    /// <summary>
    /// The state's messages as a Maildir scan gives them: flags and keyword letters from each file name (a
    /// \Seen rename at QUIT builds the new name from them), sizes the store already counted (the rest are
    /// counted by the caller, as after a scan). Null when a name does not give the record's key (never seen;
    /// the caller then scans). Compiled optimized at once: one call loops over every message of the folder.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static MaildirSnapshot? ToSnapshot(FolderState state)
    {
        var messages = new List<MaildirMessage>(state.Messages.Count);
        foreach (var record in state.Messages)
        {
            var name = MaildirEntryName.Parse(record.FileName);
            if (!string.Equals(name.Key, record.Key, StringComparison.Ordinal))
            {
                return null;
            }

            // The store's Size is 0 for a file gone since it was indexed: left unknown, the caller looks again.
            var size = name.VirtualSize ?? (record.Size > 0 ? record.Size : null);
            messages.Add(new MaildirMessage(record.Uid, record.Key, record.FileName, record.IsNew, name.Flags, name.Keywords, size));
        }

        return new MaildirSnapshot(state.UidValidity, state.UidNext, messages);
    }

    /// <summary>
    /// True when some uidlist record may carry a <c>P</c> extension (" P" anywhere: a key with a space is a
    /// false alarm, which only costs a scan). A missing or unreadable uidlist is a yes, for the same reason.
    /// </summary>
    private static bool HasPop3Uidls(string uidListPath)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var file = new FileStream(uidListPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            var previous = (byte)0;
            int read;
            while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
            {
                var chunk = buffer.AsSpan(0, read);
                if ((previous == (byte)' ' && chunk[0] == (byte)'P') || chunk.IndexOf(" P"u8) >= 0)
                {
                    return true;
                }

                previous = chunk[^1];
            }

            return false;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
