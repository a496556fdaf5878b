namespace Facteur.MailStore.Index;

/// <summary>
/// Binary search over anything kept in increasing UID order (index entries, folder states, a
/// session's message list): UIDs are strictly ascending in every one of them (RFC 3501 §2.3.1.1).
/// </summary>
public static class UidOrder
{
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
