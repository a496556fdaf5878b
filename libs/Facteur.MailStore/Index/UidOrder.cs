using System.Runtime.CompilerServices;

namespace Facteur.MailStore.Index;

/// <summary>
/// Searches over anything kept in increasing UID order (index entries, folder states, a
/// session's message list): UIDs are strictly ascending in every one of them (RFC 3501 §2.3.1.1).
/// </summary>
public static class UidOrder
{
    /// <summary>
    /// The record of <paramref name="uid"/> in <paramref name="records"/>, or null, found by walking forward from
    /// <paramref name="at"/> (left at the first record not below <paramref name="uid"/>): for a caller that asks for
    /// UIDs in increasing order, one pass over both lists instead of a binary search per UID, whose steps were two
    /// delegate calls each (a STORE 1:* and the refresh after it, 100,000 × 17 steps at 100,000 messages).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MessageRecord? WalkTo(IReadOnlyList<MessageRecord> records, ref int at, uint uid)
    {
        while (at < records.Count && records[at].Uid < uid)
        {
            at++;
        }

        return at < records.Count && records[at].Uid == uid ? records[at] : null;
    }

    /// <summary>The position of the first item whose UID is at least <paramref name="uid"/> (the count when none is).</summary>
    public static int LowerBound<T>(IReadOnlyList<T> items, long uid, Func<T, uint> uidOf)
    {
        int low = 0, high = items.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (uidOf(items[mid]) < uid)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>The position of <paramref name="uid"/>, or the bitwise complement of where it would go (as <see cref="Array.BinarySearch(Array, object)"/>).</summary>
    public static int IndexOf<T>(IReadOnlyList<T> items, uint uid, Func<T, uint> uidOf)
    {
        var at = LowerBound(items, uid, uidOf);
        return at < items.Count && uidOf(items[at]) == uid ? at : ~at;
    }
}
