namespace Facteur.MailStore.Index;

/// <summary>
/// Sorts items by a string key in ordinal order (as <see cref="StringComparer.Ordinal"/>), faster than
/// <see cref="Array.Sort{T}(T[], IComparer{T})"/> with that comparer for many keys: each key's first eight
/// UTF-16 units are packed into two integers once, so most comparisons are two integer compares on a
/// struct array and only keys alike in their first eight units compare as strings. A first sync of 100,000
/// Maildir names spent ≈ 7 % of its CPU sorting them with the string comparer.
/// </summary>
internal static class OrdinalKeyOrder
{
    /// <summary>Sorts the first <paramref name="count"/> of <paramref name="items"/> by <paramref name="keyOf"/>, ordinal; keys are distinct or their order among equals is unspecified.</summary>
    public static void Sort<T>(T[] items, int count, Func<T, string> keyOf)
    {
        if (count < 2)
        {
            return;
        }

        var order = new Slot[count];
        for (var i = 0; i < count; i++)
        {
            var key = keyOf(items[i]);
            order[i] = new Slot(Pack(key, 0), Pack(key, 4), key, i);
        }

        // Slot's own CompareTo: the runtime's sort for a struct that compares itself calls it directly (a comparer
        // struct passed in would be boxed and called through its interface).
        order.AsSpan().Sort();
        var sorted = new T[count];
        for (var i = 0; i < count; i++)
        {
            sorted[i] = items[order[i].Index];
        }

        sorted.CopyTo(items, 0);
    }

    /// <summary>
    /// Units <paramref name="start"/> to <paramref name="start"/> + 3 of <paramref name="key"/>, the first in the
    /// highest 16 bits, a unit past the end as 0: unsigned order of the results is ordinal order of those units,
    /// and a shorter key (padded with 0) never sorts after a longer one it is a prefix of; equal packs compare
    /// as strings.
    /// </summary>
    private static ulong Pack(string key, int start)
    {
        ulong packed = 0;
        for (var i = start; i < start + 4; i++)
        {
            packed = (packed << 16) | (i < key.Length ? key[i] : 0u);
        }

        return packed;
    }

    private readonly record struct Slot(ulong Head, ulong Next, string Key, int Index) : IComparable<Slot>
    {
        public int CompareTo(Slot other) =>
            Head != other.Head ? Head.CompareTo(other.Head)
            : Next != other.Next ? Next.CompareTo(other.Next)
            : string.CompareOrdinal(Key, other.Key);
    }
}
