using System.Diagnostics.CodeAnalysis;

namespace Facteur.MailStore.Index;

/// <summary>
/// A folder's index entries by UID, never changed once built: readers outside the folder's lock (FETCH's
/// cache lookups) hold a table while the lock's holder makes the next one. New UIDs go into a small table
/// of recent additions beside the large settled one, which is copied only when the recent ones outgrow
/// <see cref="RecentLimit"/>: every delivery's sync in a 100,000-message folder used to copy the whole
/// table (2.4 MB on the large object heap, a gen2 collection every few deliveries).
/// </summary>
internal sealed class UidTable
{
    /// <summary>Below this many settled entries the recent table may still hold this many before a merge.</summary>
    private const int MinRecentLimit = 256;

    private readonly Dictionary<uint, IndexEntry> _settled;
    private readonly Dictionary<uint, IndexEntry>? _recent;

    private UidTable(Dictionary<uint, IndexEntry> settled, Dictionary<uint, IndexEntry>? recent)
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
    internal int RecentLimit => Math.Max(MinRecentLimit, _settled.Count / 64);

    /// <summary>How many entries are not merged yet (tests).</summary>
    internal int RecentCount => _recent?.Count ?? 0;

    public int Count => _settled.Count + RecentCount;

    /// <summary>A table of <paramref name="entries"/>; a UID given twice throws, as <see cref="Dictionary{TKey, TValue}.Add"/> does.</summary>
    public static UidTable Of(IReadOnlyCollection<IndexEntry> entries)
    {
        var settled = new Dictionary<uint, IndexEntry>(entries.Count);
        foreach (var entry in entries)
        {
            settled.Add(entry.Uid, entry);
        }

        return new UidTable(settled, null);
    }

    public bool TryGetValue(uint uid, [MaybeNullWhen(false)] out IndexEntry entry) =>
        _recent is { } recent && recent.TryGetValue(uid, out entry) || _settled.TryGetValue(uid, out entry);

    public bool ContainsKey(uint uid) => _recent?.ContainsKey(uid) == true || _settled.ContainsKey(uid);

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
            var settled = new Dictionary<uint, IndexEntry>(_settled.Count + recentCount);
            foreach (var (uid, entry) in _settled)
            {
                settled.Add(uid, entry);
            }

            AddTo(settled, _recent, added);
            return new UidTable(settled, null);
        }

        var recent = _recent is null ? new Dictionary<uint, IndexEntry>(added.Count) : new Dictionary<uint, IndexEntry>(_recent);
        foreach (var entry in added)
        {
            if (_settled.ContainsKey(entry.Uid))
            {
                throw new ArgumentException($"UID {entry.Uid} is in the table already.", nameof(added));
            }
        }

        AddTo(recent, null, added);
        return new UidTable(_settled, recent);
    }

    private static void AddTo(Dictionary<uint, IndexEntry> target, Dictionary<uint, IndexEntry>? recent, IReadOnlyList<IndexEntry> added)
    {
        if (recent is not null)
        {
            foreach (var (uid, entry) in recent)
            {
                target.Add(uid, entry);
            }
        }

        foreach (var entry in added)
        {
            target.Add(entry.Uid, entry);
        }
    }
}
