using System.Diagnostics.CodeAnalysis;

namespace Facteur.MailStore.Index;

/// <summary>
/// A folder's index entries by UID, never changed once built: readers outside the folder's lock (FETCH's
/// cache lookups) hold a table while the lock's holder makes the next one. New UIDs go into a small table
/// of recent additions beside the large settled one, which is copied only when the recent ones outgrow
/// <see cref="RecentLimit"/>: every delivery's sync in a 100,000-message folder used to copy the whole
/// table (2.4 MB on the large object heap, a gen2 collection every few deliveries).
/// </summary>
/// <remarks>
/// The settled entries are an array in UID order, not a dictionary: 8 bytes an entry instead of ≈ 28, and no
/// hashing of every UID (a first sync of 100,000 made a 2.8 MB dictionary in 8–14 ms, most of it the fresh
/// pages this VM faults in at ≈ 2.8 µs each; docs/README-perf.md). A folder's UIDs are mostly dense — a first
/// sync numbers its files 1…N, and each delivery takes the next — so a UID is looked for first at its offset
/// from the first one, and only where expunges left gaps by a binary search.
/// </remarks>
internal sealed class UidTable
{
    /// <summary>Below this many settled entries the recent table may still hold this many before a merge.</summary>
    private const int MinRecentLimit = 256;

    private readonly IndexEntry[] _settled;
    private readonly Dictionary<uint, IndexEntry>? _recent;

    private UidTable(IndexEntry[] settled, Dictionary<uint, IndexEntry>? recent)
    {
        _settled = settled;
        _recent = recent;
    }

    /// <summary>No entries.</summary>
    public static UidTable Empty { get; } = new([], null);

    /// <summary>
    /// How many additions wait in the recent table before it is merged into the settled one: a 64th of
    /// the settled entries (at 100,000, 1,562: a recent table copied per sync stays ≈ 40 KB, off the large
    /// object heap), so a merge's copy is spread over many additions.
    /// </summary>
    internal int RecentLimit => Math.Max(MinRecentLimit, _settled.Length / 64);

    /// <summary>How many entries are not merged yet (tests).</summary>
    internal int RecentCount => _recent?.Count ?? 0;

    public int Count => _settled.Length + RecentCount;

    /// <summary>A table of <paramref name="entries"/> (in UID order, as a folder's index keeps them, or in any order); a UID given twice throws.</summary>
    public static UidTable Of(IReadOnlyCollection<IndexEntry> entries)
    {
        return new UidTable(InUidOrder([.. entries]), null);
    }

    public bool TryGetValue(uint uid, [MaybeNullWhen(false)] out IndexEntry entry) =>
        _recent is { } recent && recent.TryGetValue(uid, out entry) || TryGetSettled(uid, out entry);

    public bool ContainsKey(uint uid) => TryGetValue(uid, out _);

    /// <summary>
    /// This table and <paramref name="added"/> (UIDs it does not hold; one it holds throws). The table
    /// itself is not changed.
    /// </summary>
    public UidTable With(IReadOnlyList<IndexEntry> added)
    {
        ArgumentNullException.ThrowIfNull(added);
        if (added.Count == 0)
        {
            return this;
        }

        var recentCount = RecentCount + added.Count;
        if (recentCount > RecentLimit)
        {
            return new UidTable(InUidOrder([.. _settled, .. (IEnumerable<IndexEntry>?)_recent?.Values ?? [], .. added]), null);
        }

        var recent = _recent is null ? new Dictionary<uint, IndexEntry>(added.Count) : new Dictionary<uint, IndexEntry>(_recent);
        foreach (var entry in added)
        {
            if (TryGetSettled(entry.Uid, out _))
            {
                throw new ArgumentException($"UID {entry.Uid} is in the table already.", nameof(added));
            }

            recent.Add(entry.Uid, entry); // throws for a UID given twice, or already recent
        }

        return new UidTable(_settled, recent);
    }

    private bool TryGetSettled(uint uid, [MaybeNullWhen(false)] out IndexEntry entry)
    {
        var settled = _settled;
        if (settled.Length > 0)
        {
            // Where the UID is when none below it was expunged; else (gaps) a binary search.
            var offset = (ulong)uid - settled[0].Uid;
            if (offset < (ulong)settled.Length && settled[offset].Uid == uid)
            {
                entry = settled[offset];
                return true;
            }

            if (UidOrder.IndexOf(settled, uid, static e => e.Uid) is var at and >= 0)
            {
                entry = settled[at];
                return true;
            }
        }

        entry = null;
        return false;
    }

    /// <summary><paramref name="entries"/>, sorted by UID unless they are already (they are, from a folder's index); a UID twice throws.</summary>
    private static IndexEntry[] InUidOrder(IndexEntry[] entries)
    {
        for (var i = 1; i < entries.Length; i++)
        {
            if (entries[i].Uid <= entries[i - 1].Uid)
            {
                Array.Sort(entries, static (a, b) => a.Uid.CompareTo(b.Uid));
                for (var j = 1; j < entries.Length; j++)
                {
                    if (entries[j].Uid == entries[j - 1].Uid)
                    {
                        throw new ArgumentException($"UID {entries[j].Uid} is given twice.", nameof(entries));
                    }
                }

                break;
            }
        }

        return entries;
    }
}
