using System.Collections.Concurrent;
using Facteur.MailStore.Folders;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// The last scan of each maildrop, reused at the next login while nothing changed — Dovecot's quick
/// check before a Maildir sync. "Nothing changed" means new/, cur/ and <c>dovecot-uidlist</c> have the
/// same modification times (and the uidlist the same length) as when the scan started: every delivery,
/// flag change, expunge or UID assignment renames or creates something there and so moves one of them.
/// A scan is kept only when those times were over a second old when it started (Dovecot's
/// MAILDIR_SYNC_SECS), so a change in the same clock tick as the last one cannot go unnoticed.
/// Bounded by <see cref="Pop3Options.MaildropCacheMessages"/> messages in all, least recently used dropped first.
/// </summary>
internal sealed class MaildropCache(IOptionsMonitor<Pop3Options> options, TimeProvider time)
{
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private long _messages;

    /// <summary>The maildrop's messages in UID order with their sizes and UIDLs, from the cache or from a fresh scan.</summary>
    public async Task<MaildropListing> ListAsync(MaildirFolder folder, CancellationToken cancellationToken)
    {
        // Read before the scan: a change during the scan then shows as a different stamp next time.
        var stamp = FolderStamp.Read(folder.Path);
        if (_entries.TryGetValue(folder.Path, out var cached) && cached.Stamp == stamp)
        {
            cached.LastUsed = time.GetTimestamp();
            return cached.Listing;
        }

        var listing = await MaildropListing.ScanAsync(folder, cancellationToken).ConfigureAwait(false);
        var limit = options.CurrentValue.MaildropCacheMessages;
        if (stamp.SettledBy(time.GetUtcNow().UtcDateTime - SettleTime) && listing.Messages.Count <= limit)
        {
            Store(folder.Path, new Entry(stamp, listing) { LastUsed = time.GetTimestamp() }, limit);
        }
        else if (_entries.TryRemove(folder.Path, out var stale))
        {
            Interlocked.Add(ref _messages, -stale.Listing.Messages.Count);
        }

        return listing;
    }

    private void Store(string path, Entry entry, int limit)
    {
        var replaced = _entries.TryGetValue(path, out var old) ? old.Listing.Messages.Count : 0;
        _entries[path] = entry;
        if (Interlocked.Add(ref _messages, entry.Listing.Messages.Count - replaced) <= limit)
        {
            return;
        }

        lock (_evicting)
        {
            foreach (var (key, victim) in _entries.OrderBy(e => e.Value.LastUsed).ToList())
            {
                if (Interlocked.Read(ref _messages) <= limit)
                {
                    break;
                }

                if (_entries.TryRemove(new KeyValuePair<string, Entry>(key, victim)))
                {
                    Interlocked.Add(ref _messages, -victim.Listing.Messages.Count);
                }
            }
        }
    }

    private sealed class Entry(FolderStamp stamp, MaildropListing listing)
    {
        public FolderStamp Stamp { get; } = stamp;

        public MaildropListing Listing { get; } = listing;

        public long LastUsed { get; set; }
    }
}

/// <summary>Modification times of new/, cur/ and the uidlist, and the uidlist's length (ticks, UTC).</summary>
internal readonly record struct FolderStamp(long New, long Cur, long UidList, long UidListLength)
{
    public static FolderStamp Read(string folder)
    {
        var uidList = new FileInfo(Path.Combine(folder, MaildirFolder.UidListFileName));
        return new FolderStamp(
            Directory.GetLastWriteTimeUtc(Path.Combine(folder, "new")).Ticks,
            Directory.GetLastWriteTimeUtc(Path.Combine(folder, "cur")).Ticks,
            uidList.Exists ? uidList.LastWriteTimeUtc.Ticks : 0,
            uidList.Exists ? uidList.Length : -1);
    }

    /// <summary>True when every time is before <paramref name="horizon"/> (and the uidlist exists).</summary>
    public bool SettledBy(DateTime horizon) =>
        UidListLength >= 0 && New < horizon.Ticks && Cur < horizon.Ticks && UidList < horizon.Ticks;
}

/// <summary>One scan of a maildrop: what a POP3 session numbers at login.</summary>
internal sealed record MaildropListing(uint UidValidity, IReadOnlyList<MaildropEntry> Messages)
{
    public static async Task<MaildropListing> ScanAsync(MaildirFolder folder, CancellationToken cancellationToken)
    {
        var snapshot = await folder.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        var messages = new List<MaildropEntry>(snapshot.Messages.Count);
        foreach (var message in snapshot.Messages)
        {
            var current = message;
            var size = message.VirtualSize ?? MessageVirtualSize.Compute(folder.FullPath(message));
            if (size is null)
            {
                // Vanished between the scan and now (expunged by IMAP, or renamed): look it up once by key.
                current = folder.Locate(message);
                size = current is null ? null : MessageVirtualSize.Compute(folder.FullPath(current));
                if (current is null || size is null)
                {
                    continue;
                }
            }

            messages.Add(new MaildropEntry(current, size.Value, Maildrop.UidlOf(current, snapshot.UidValidity)));
        }

        return new MaildropListing(snapshot.UidValidity, messages);
    }
}

/// <summary>A message as listed at login: where it was, its LIST size (octets with CRLF line ends) and its UIDL.</summary>
internal sealed record MaildropEntry(MaildirMessage Message, long Size, string Uidl);
