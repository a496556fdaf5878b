using System.Runtime.CompilerServices;

namespace Facteur.MailStore.Index;

/// <summary>
/// Sorts items by a string key in ordinal order (as <see cref="StringComparer.Ordinal"/>), for the many keys of a
/// first sync (100,000 Maildir names). The keys' shared prefix is skipped (a corpus's names agree in their first
/// digits: the delivery time), the next eight UTF-16 units of each key are packed into two integers, and the
/// packs are put in order by an LSD radix sort, a byte a pass, skipping the bytes every key has alike (the high
/// byte of an ASCII unit); only keys whose packs are equal are then compared as strings. The quicksort over the
/// same packs that this replaced spent ≈ 13 ns a comparison on 1.7 million comparisons at 100,000: 30–50 ms of a
/// cold SELECT's first sync (bench/parsers NameSortBenchmarks; docs/README-perf.md).
/// </summary>
internal static class OrdinalKeyOrder
{
    /// <summary>An item's key: a span, so a key that is part of a longer string (a Maildir name's part before ':') needs no string of its own.</summary>
    public delegate ReadOnlySpan<char> KeyOf<T>(T item);

    private const int InsertionSortBelow = 16;

    /// <summary>The bytes of the two packs, least significant first: <see cref="Slot.Next"/>'s eight, then <see cref="Slot.Head"/>'s.</summary>
    private const int PackBytes = 16;

    /// <summary>Sorts the first <paramref name="count"/> of <paramref name="items"/> by <paramref name="keyOf"/>, ordinal; keys are distinct or their order among equals is unspecified.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per first sync: no tier-0 pass over 100,000 items
    public static void Sort<T>(T[] items, int count, KeyOf<T> keyOf)
    {
        if (count < 2)
        {
            return;
        }

        var first = keyOf(items[0]);
        var shared = first.Length;
        for (var i = 1; i < count && shared > 0; i++)
        {
            shared = first[..shared].CommonPrefixLength(keyOf(items[i]));
        }

        // Every key starts with the same `shared` units, so their order is that of what follows.
        var order = new Slot[count];
        for (var i = 0; i < count; i++)
        {
            var key = keyOf(items[i]);
            order[i] = new Slot(Pack(key, shared), Pack(key, shared + 4), i);
        }

        order = RadixSort(order);
        SortEqualPacks(order, items, keyOf);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong Pack(ReadOnlySpan<char> key, int start)
    {
        ulong packed = 0;
        for (var i = start; i < start + 4; i++)
        {
            packed = (packed << 16) | (i < key.Length ? key[i] : 0u);
        }

        return packed;
    }

    /// <summary>
    /// <paramref name="slots"/> in (Head, Next) order: one counting pass over every byte of the packs, then one stable
    /// distribution pass per byte that differs between slots, least significant first. Returns the array holding the
    /// result (the input or its same-sized companion).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Slot[] RadixSort(Slot[] slots)
    {
        var counts = new int[PackBytes * 256];
        foreach (var slot in slots)
        {
            for (var b = 0; b < PackBytes; b++)
            {
                counts[(b * 256) + ByteOf(slot, b)]++;
            }
        }

        Slot[]? spare = null;
        for (var b = 0; b < PackBytes; b++)
        {
            var bucket = counts.AsSpan(b * 256, 256);
            if (bucket.Contains(slots.Length))
            {
                continue; // every slot has this byte alike: the pass would change nothing
            }

            var start = 0;
            for (var v = 0; v < 256; v++)
            {
                (bucket[v], start) = (start, start + bucket[v]);
            }

            spare ??= new Slot[slots.Length];
            foreach (var slot in slots)
            {
                spare[bucket[ByteOf(slot, b)]++] = slot;
            }

            (slots, spare) = (spare, slots);
        }

        return slots;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ByteOf(in Slot slot, int b) => (int)((b < 8 ? slot.Next >> (b * 8) : slot.Head >> ((b - 8) * 8)) & 0xFF);

    /// <summary>Each run of slots with equal packs, in (Head, Next) order already, sorted by its keys as strings.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SortEqualPacks<T>(Slot[] slots, T[] items, KeyOf<T> keyOf)
    {
        var runStart = 0;
        for (var i = 1; i <= slots.Length; i++)
        {
            if (i < slots.Length && slots[i].Head == slots[runStart].Head && slots[i].Next == slots[runStart].Next)
            {
                continue;
            }

            if (i - runStart > 1)
            {
                Sort(slots, runStart, i - 1, new KeyOrder<T>(items, keyOf));
            }

            runStart = i;
        }
    }

    /// <summary>Quicksort of <paramref name="slots"/>[lo..hi] (median-of-three pivot, the smaller side recursed), insertion sort for short ranges.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sort<T>(Slot[] slots, int lo, int hi, KeyOrder<T> keys)
    {
        while (hi - lo >= InsertionSortBelow)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (keys.Less(slots[mid], slots[lo])) (slots[mid], slots[lo]) = (slots[lo], slots[mid]);
            if (keys.Less(slots[hi], slots[lo])) (slots[hi], slots[lo]) = (slots[lo], slots[hi]);
            if (keys.Less(slots[hi], slots[mid])) (slots[hi], slots[mid]) = (slots[mid], slots[hi]);
            var pivot = slots[mid];
            var i = lo;
            var j = hi;
            while (i <= j)
            {
                while (keys.Less(slots[i], pivot)) i++;
                while (keys.Less(pivot, slots[j])) j--;
                if (i <= j)
                {
                    (slots[i], slots[j]) = (slots[j], slots[i]);
                    i++;
                    j--;
                }
            }

            // Recurse into the smaller part, loop on the larger: the stack stays O(log n) deep.
            if (j - lo < hi - i)
            {
                Sort(slots, lo, j, keys);
                lo = i;
            }
            else
            {
                Sort(slots, i, hi, keys);
                hi = j;
            }
        }

        for (var k = lo + 1; k <= hi; k++)
        {
            var item = slots[k];
            var at = k - 1;
            while (at >= lo && keys.Less(item, slots[at]))
            {
                slots[at + 1] = slots[at];
                at--;
            }

            slots[at + 1] = item;
        }
    }

    /// <summary>Slot order: by packs, then by the items' keys as strings (only slots whose packs are equal get there).</summary>
    private readonly struct KeyOrder<T>(T[] items, KeyOf<T> keyOf)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Less(in Slot x, in Slot y) =>
            x.Head != y.Head ? x.Head < y.Head
            : x.Next != y.Next ? x.Next < y.Next
            : keyOf(items[x.Index]).SequenceCompareTo(keyOf(items[y.Index])) < 0;
    }

    // 24 bytes: the radix passes move every slot once each.
    private readonly record struct Slot(ulong Head, ulong Next, int Index);
}
