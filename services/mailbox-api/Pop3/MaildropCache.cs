using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// The last scan of each maildrop, reused at the next login while nothing changed — Dovecot's quick
/// check before a Maildir sync. "Nothing changed" means new/, cur/ and <c>dovecot-uidlist</c> have the
/// same modification times (and the uidlist the same length) as when the scan started: every delivery,
/// flag change, expunge or UID assignment renames or creates something there and so moves one of them.
/// A scan is kept only when those times were over a second old when it started (Dovecot's
/// MAILDIR_SYNC_SECS), so a change in the same clock tick as the last one cannot go unnoticed.
/// When only new/ or cur/ moved and the uidlist is the same settled file, one directory listing updates
/// the kept scan (files renamed by flag changes) without the uidlist lock and parse. A session's own \Seen
/// renames and QUIT's unlinks update the kept scan directly (<see cref="KeepOwnChanges"/>), so the next
/// login lists nothing at all.
/// Bounded by <see cref="Pop3Options.MaildropCacheMessages"/> messages in all, least recently used dropped first.
/// </summary>
internal sealed class MaildropCache(IOptionsMonitor<Pop3Options> options, TimeProvider time, ILogger<MaildropCache> logger, IServiceProvider services)
{
    // The IMAP store, when this host has one (standalone, mailbox-api): its open INBOX stands in for a scan.
    private readonly Lazy<MessageStore?> _store = new(services.GetService<MessageStore>);

    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private long _messages;

    /// <summary>The maildrop's messages in UID order with their sizes and UIDLs, from the cache or from a fresh scan.</summary>
    /// <param name="user">The canonical user: whose INBOX the IMAP store may have open in this process.</param>
    public async Task<MaildropListing> ListAsync(MaildirFolder folder, string? user, CancellationToken cancellationToken)
    {
        // Read before the scan: a change during the scan then shows as a different stamp next time.
        var started = time.GetTimestamp();
        var stamp = FolderStamp.Read(folder.Path);
        var now = time.GetUtcNow().UtcDateTime;
        var horizon = now - SettleTime;
        _entries.TryGetValue(folder.Path, out var cached);
        if (cached is not null && cached.Stamp == stamp && (cached.Settled || now < cached.TrustOwnUntil))
        {
            cached.LastUsed = time.GetTimestamp();
            Listed(folder, cached.Settled ? "the kept scan" : "the kept scan with this process's own changes", cached.Listing, started);
            return cached.Listing;
        }

        // Only renames since the last scan (flags, new/ → cur/ — what a POP3 QUIT itself does) and the
        // uidlist untouched and settled: the same files under the same UIDs, so a directory listing is
        // enough — no uidlist lock, parse or rewrite. Anything else (a file added or gone) is a full scan.
        var listing = cached is not null && cached.UidListSettled && stamp.SameUidList(cached.Stamp)
            ? MaildropListing.Rename(folder, cached.Listing)
            : null;
        var kept = stamp;
        var source = "a directory listing";
        bool settled = stamp.SettledBy(horizon), uidListSettled = stamp.UidListSettledBy(horizon);
        if (listing is not null)
        {
            // The same uidlist the kept scan had already judged settled: still the same file, however
            // recently it was written (else three quick sessions in a row would all rescan in full).
            uidListSettled = true;
            settled = stamp.DirectoriesSettledBy(horizon);
        }
        else
        {
            source = "a full scan";
            var snapshot = await folder.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
            var store = _store.Value;
            listing = MaildropListing.FromSnapshot(folder, snapshot, () => StoreKnownSizes.KnownSizes(store, user, folder.Path));
            if (stamp.DirectoriesSettledBy(horizon) && FolderStamp.Read(folder.Path) is var after
                && after.New == stamp.New && after.Cur == stamp.Cur && after.UidListLength >= 0)
            {
                // The scan itself wrote the uidlist (the first scan, UIDs for new mail, or the list without the
                // records of messages expunged elsewhere): new/ and cur/ were settled and did not move, so nothing
                // on disk changed and whatever wrote the uidlist meanwhile did so under its lock from these same
                // files — the list we hold. Keeping the stamp as it is after the scan spares the next login a
                // second full scan just because the uidlist changed (a settled stamp kept from before the scan
                // then never matched again). A later change to new/ or cur/ still moves their (settled) times.
                kept = after;
                settled = uidListSettled = true;
            }
        }

        var limit = options.CurrentValue.MaildropCacheMessages;
        if (listing.Messages.Count <= limit)
        {
            // Kept even when not settled, as the base for the next listing-only refresh (never returned as is).
            Store(folder.Path, new Entry(kept, listing, settled, uidListSettled) { LastUsed = time.GetTimestamp() }, limit);
        }
        else if (_entries.TryRemove(folder.Path, out var stale))
        {
            Interlocked.Add(ref _messages, -stale.Listing.Messages.Count);
        }

        Listed(folder, source, listing, started);
        return listing;
    }

    /// <summary>
    /// A POP3 session that numbered <paramref name="listedAtLogin"/> renamed (\Seen) or removed (QUIT)
    /// messages itself: keeps <paramref name="remaining"/> with the stamp as it is after those changes, so
    /// the next login lists nothing. Only when the kept scan is still the one this session was given and
    /// the stamp read before its first change (<paramref name="before"/>) is the one that scan was verified
    /// against: a change by anyone else since login moved a time, and then the next login lists as before.
    /// A coarse modification time cannot tell our rename from another program's in the same tick (or one
    /// made between <paramref name="before"/> and our last rename), so — as the IMAP store trusts its own
    /// STORE — this is trusted only until the first such stamp of a chain of sessions settles
    /// (<see cref="SettleTime"/>); the login after that lists new/ and cur/ once (no uidlist parse).
    /// </summary>
    public void KeepOwnChanges(MaildirFolder folder, MaildropListing listedAtLogin, FolderStamp before, MaildropListing remaining)
    {
        var after = FolderStamp.Read(folder.Path);
        if (!_entries.TryGetValue(folder.Path, out var cached) || !ReferenceEquals(cached.Listing, listedAtLogin) || cached.Stamp != before)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        // A settled scan starts a chain; a chain already running keeps its first deadline (never extended).
        DateTime? trustUntil = cached.Settled ? now + SettleTime : cached.TrustOwnUntil is { } until && now < until ? until : null;
        if (trustUntil is null)
        {
            return; // the listing was never verified settled: the next login lists, as it would have
        }

        var entry = new Entry(after, remaining, settled: false, uidListSettled: cached.UidListSettled && after.SameUidList(before))
        {
            LastUsed = time.GetTimestamp(),
            TrustOwnUntil = trustUntil,
        };
        Store(folder.Path, entry, options.CurrentValue.MaildropCacheMessages);
    }

    private void Listed(MaildirFolder folder, string source, MaildropListing listing, long started)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Pop3Log.MaildropListed(logger, folder.Path, source, listing.Messages.Count, time.GetElapsedTime(started).TotalMilliseconds);
        }
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

    private sealed class Entry(FolderStamp stamp, MaildropListing listing, bool settled, bool uidListSettled)
    {
        public FolderStamp Stamp { get; } = stamp;

        public MaildropListing Listing { get; } = listing;

        /// <summary>All times were over a second old when the scan started: the listing may be returned as is while they hold.</summary>
        public bool Settled { get; } = settled;

        /// <summary>The uidlist's time was over a second old when the scan started: an equal stamp later means the same file.</summary>
        public bool UidListSettled { get; } = uidListSettled;

        public long LastUsed { get; set; }

        /// <summary>Set when this process's own session changes made the stamp: it may be returned as is until then.</summary>
        public DateTime? TrustOwnUntil { get; init; }
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
        UidListSettledBy(horizon) && DirectoriesSettledBy(horizon);

    public bool DirectoriesSettledBy(DateTime horizon) => New < horizon.Ticks && Cur < horizon.Ticks;

    public bool UidListSettledBy(DateTime horizon) => UidListLength >= 0 && UidList < horizon.Ticks;

    public bool SameUidList(FolderStamp other) => UidList == other.UidList && UidListLength == other.UidListLength;
}

/// <summary>One scan of a maildrop: what a POP3 session numbers at login.</summary>
internal sealed record MaildropListing(uint UidValidity, IReadOnlyList<MaildropEntry> Messages)
{
    /// <summary>
    /// Sizes for every message of the scan. Compiled optimized at once, like the scan itself: it runs once
    /// per login over every message, where tier-0 code made a process's first large login several times slower.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    /// <param name="storeSizes">The sizes the IMAP store holds in memory for this folder, if any: asked first, once.</param>
    public static MaildropListing FromSnapshot(MaildirFolder folder, MaildirSnapshot snapshot, Func<IReadOnlyDictionary<string, long>?> storeSizes)
    {
        var messages = new List<MaildropEntry>(snapshot.Messages.Count);
        IReadOnlyDictionary<string, long>? inMemory = null, indexed = null;
        bool inMemoryRead = false, indexRead = false;
        foreach (var message in snapshot.Messages)
        {
            var current = message;
            var size = message.VirtualSize;
            if (size is null)
            {
                // Neither the name nor the uidlist has it: the IMAP store may have counted it already —
                // in this process's memory (no file read), else in its facteur-index (one parse of it).
                if (!inMemoryRead)
                {
                    inMemory = storeSizes();
                    inMemoryRead = true;
                }

                if (inMemory is not null && inMemory.TryGetValue(message.Key, out var held))
                {
                    size = held;
                }
                else
                {
                    if (!indexRead)
                    {
                        indexed = folder.IndexedVirtualSizes();
                        indexRead = true;
                    }

                    if (indexed is not null && indexed.TryGetValue(message.Key, out var known))
                    {
                        size = known;
                    }
                }
            }

            size ??= MessageVirtualSize.Compute(folder.FullPath(message));
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

            messages.Add(new MaildropEntry(current, size.Value));
        }

        return new MaildropListing(snapshot.UidValidity, messages);
    }

    /// <summary>
    /// The previous listing with each file where it is now, from one listing of new/ and cur/; null when
    /// the set of messages changed (a file added or gone), which needs the uidlist and so a full scan.
    /// A name the previous listing had in the same directory is looked up as the span readdir(2) gave —
    /// no string, no parse —, so an unchanged 10,000-message maildrop costs the listing and 10,000 hash
    /// lookups; only a renamed or new file's name is made a string and parsed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per login over every file (see FromSnapshot)
    public static MaildropListing? Rename(MaildirFolder folder, MaildropListing previous)
    {
        var count = previous.Messages.Count;
        var byName = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            byName.TryAdd(previous.Messages[i].Message.FileName, i);
        }

        // Per previous message: 0 not seen, 1 seen under its name in new/, 2 in cur/.
        var seen = new byte[count];
        // Names not in the previous listing (renamed, or new), by key; cur/ after new/, so the cur/ copy wins.
        Dictionary<string, (string FileName, bool IsNew, MaildirEntryName Name)>? moved = null;
        foreach (var isNew in (bool[])[true, false])
        {
            foreach (var (index, listed) in ListNames(Path.Combine(folder.Path, isNew ? "new" : "cur"), byName))
            {
                var fileName = listed;
                if (fileName is null)
                {
                    if (previous.Messages[index].Message.IsNew == isNew)
                    {
                        seen[index] = isNew ? (byte)1 : (byte)2;
                        continue;
                    }

                    fileName = previous.Messages[index].Message.FileName; // the same name in the other directory
                }

                var name = MaildirEntryName.Parse(fileName);
                if (name.Key.Length > 0)
                {
                    moved ??= new(StringComparer.Ordinal);
                    moved[name.Key] = (fileName, isNew, name);
                }
            }
        }

        var messages = new List<MaildropEntry>(count);
        var claimed = 0;
        for (var i = 0; i < count; i++)
        {
            var entry = previous.Messages[i];
            var message = entry.Message;
            if (moved is not null && moved.TryGetValue(message.Key, out var now) && !(seen[i] == 2 && now.IsNew))
            {
                claimed++;
                messages.Add(entry with { Message = message with { FileName = now.FileName, IsNew = now.IsNew, Flags = now.Name.Flags, Keywords = now.Name.Keywords } });
            }
            else if (seen[i] != 0)
            {
                if (moved is not null && moved.ContainsKey(message.Key))
                {
                    claimed++; // a stray new/ copy of a message seen in cur/: cur/ is the current one
                }

                messages.Add(entry);
            }
            else
            {
                return null; // gone
            }
        }

        // A name whose key the previous listing did not have: a file added, which needs a full scan.
        return moved is not null && claimed != moved.Count ? null : new MaildropListing(previous.UidValidity, messages);
    }

    /// <summary>
    /// The entries of <paramref name="directory"/> (no dot files, no directories): the index in
    /// <paramref name="byName"/> of a known name (no string made), else the name; none when it is gone.
    /// </summary>
    private static List<(int Index, string? FileName)> ListNames(string directory, Dictionary<string, int> byName)
    {
        var lookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();
        try
        {
            var names = new System.IO.Enumeration.FileSystemEnumerable<(int, string?)>(
                directory,
                (ref System.IO.Enumeration.FileSystemEntry entry) =>
                    lookup.TryGetValue(entry.FileName, out var index) ? (index, null) : (-1, entry.FileName.ToString()),
                new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 })
            {
                ShouldIncludePredicate = static (ref System.IO.Enumeration.FileSystemEntry entry) =>
                    !entry.IsDirectory && entry.FileName.Length > 0 && entry.FileName[0] != '.',
            };
            return names.ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}

/// <summary>A message as listed at login: where it was and its LIST size (octets with CRLF line ends). Its UIDL follows from its UID.</summary>
internal sealed record MaildropEntry(MaildirMessage Message, long Size);
