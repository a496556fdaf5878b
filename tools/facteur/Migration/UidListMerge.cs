using Facteur.MailStore.Folders;

namespace Facteur.Cli.Migration;

/// <summary>
/// Combines the old server's <c>dovecot-uidlist</c> with the one already at the destination (a previous run,
/// or UIDs Facteur gave to files the old server had not listed yet). Before the switch the old server is the
/// authority: its UIDVALIDITY and its UIDs win; destination records are kept only for files it does not list
/// and under UIDs it does not use, and the next UID never goes backwards (RFC 3501 §2.3.1.1: UIDs are never reused).
/// </summary>
internal static class UidListMerge
{
    /// <summary>
    /// A record of the destination for a message only Facteur has (its key is not among
    /// <paramref name="sourceKeys"/>, the old server's files) whose UID the old server gave to another message:
    /// Facteur has been receiving mail in this folder (a run after the switch), and taking the old server's UIDs
    /// would give that UID other bytes for clients that already fetched it. A UID Facteur gave provisionally
    /// to a file the old server also has is no conflict: before the switch the old server's numbering wins.
    /// Null when there is none.
    /// </summary>
    public static UidListRecord? Conflict(UidListDocument source, UidListDocument? destination, IReadOnlySet<string> sourceKeys)
    {
        if (destination is null || destination.UidValidity != source.UidValidity)
        {
            return null;
        }

        var keys = new Dictionary<uint, string>();
        foreach (var record in source.Records)
        {
            keys.TryAdd(record.Uid, record.Key);
        }

        return destination.Records.FirstOrDefault(r =>
            !sourceKeys.Contains(r.Key) && keys.TryGetValue(r.Uid, out var key) && !string.Equals(key, r.Key, StringComparison.Ordinal));
    }

    public static UidListDocument Merge(UidListDocument source, UidListDocument? destination)
    {
        var merged = new UidListDocument
        {
            UidValidity = source.UidValidity,
            NextUid = source.NextUid,
            Guid = source.Guid.Length > 0 ? source.Guid : destination?.Guid ?? string.Empty,
        };
        merged.ExtraHeaderFields.AddRange(source.ExtraHeaderFields);
        var records = source.Records.ToList();
        if (destination is not null && destination.UidValidity == source.UidValidity)
        {
            var keys = source.Records.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            var uids = source.Records.Select(r => r.Uid).ToHashSet();
            records.AddRange(destination.Records.Where(r => !keys.Contains(r.Key) && !uids.Contains(r.Uid)));
            merged.NextUid = Math.Max(merged.NextUid, destination.NextUid);
        }

        records.Sort((a, b) => a.Uid.CompareTo(b.Uid));
        merged.Records.AddRange(records);
        if (records.Count > 0 && merged.NextUid <= records[^1].Uid)
        {
            merged.NextUid = records[^1].Uid + 1;
        }

        return merged;
    }
}
