using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>The first sync's sort of new Maildir names: the same order as the ordinal string comparer gives.</summary>
public sealed class OrdinalKeyOrderTests
{
    [Fact]
    public void Sorts_maildir_names_into_ordinal_order()
    {
        var random = new Random(8);
        var names = Enumerable.Range(0, 5_000)
            .Select(i => $"{1_790_000_000 + random.Next(100_000)}.M{random.Next(1_000_000)}P{4242 + i % 3}Q{i}.bench,S={random.Next(50_000)}")
            .Distinct(StringComparer.Ordinal)
            .ToArray();

        AssertSortsAsOrdinal(names);
    }

    [Fact]
    public void Sorts_short_keys_prefixes_and_units_beyond_ascii_as_the_ordinal_comparer_does()
    {
        // Prefixes of one another (a shorter key before the longer), keys alike in their first eight units,
        // a real U+0000, and units whose high byte is set (ordinal compares them as unsigned 16-bit values).
        string[] keys =
        [
            "b", "a", "", "ab", "abc", "abcd", "abcde", "abcdefgh", "abcdefgh1", "abcdefgh0", "abcdefg",
            "abc\0", "abc\0d", "\uffff", "\u00e9t\u00e9", "\ud83d\udce8mail", "Zulu", "zulu", "1790000000.M1", "1790000000.M10",
        ];

        AssertSortsAsOrdinal(keys);
    }

    [Fact]
    public void Sorts_keys_that_share_a_long_prefix_including_the_prefix_itself()
    {
        // Every key starts with "1790000"; one is exactly that, others differ only in their last units or in
        // length, past the eight units after the shared prefix that the sort packs.
        string[] keys =
        [
            "1790000", "17900001", "1790000\0", "17900000abcdefghij", "17900000abcdefghiJ", "17900000abcdefgh",
            "179000009", "1790000\uffff", "17900000abcdefghij0", "1790000Z", "17900000",
        ];

        AssertSortsAsOrdinal(keys);
    }

    [Fact]
    public void Sorts_random_keys_alike_in_long_prefixes_with_units_on_both_sides_of_one_byte()
    {
        // Many keys alike in long prefixes (their first 14 units from three, one ASCII and two on either side of
        // one byte), so the packed units and the string comparison past them both decide some pairs; shorter
        // keys are prefixes of longer ones.
        char[] prefix = ['7', '\u00ff', '\u0100'];
        char[] rest = ['\0', '1', '7', '9', '.', 'M', '\u00fe', '\u00ff', '\u0100', '\u2603'];
        var random = new Random(24);
        var keys = Enumerable.Range(0, 4_000)
            .Select(_ => new string(Enumerable.Range(0, random.Next(0, 30)).Select(i => i < 14 ? prefix[random.Next(prefix.Length)] : rest[random.Next(rest.Length)]).ToArray()))
            .Distinct(StringComparer.Ordinal)
            .ToArray();

        AssertSortsAsOrdinal(keys);
    }

    [Fact]
    public void Sorts_many_keys_after_a_shared_prefix_by_their_packed_units()
    {
        // A corpus's shape: the first digits (the delivery time) alike in every key, so the sort packs the units
        // after them; a listing's order is not the sorted one.
        var random = new Random(31);
        var keys = Enumerable.Range(0, 20_000)
            .Select(i => $"17900{random.Next(100_000):D5}.M{i}P{4242 + (i % 7)}Q{random.Next(1_000)}.mx.example.org")
            .Distinct(StringComparer.Ordinal)
            .OrderBy(_ => random.Next())
            .ToArray();

        AssertSortsAsOrdinal(keys);
    }

    [Fact]
    public void Sorts_long_runs_of_keys_whose_packed_units_are_equal_by_the_rest_of_the_key()
    {
        // Two large groups of keys with the same eight units after the shared prefix (here none: A or B), told apart
        // only past those units: each group is a run the string comparison has to order.
        var random = new Random(32);
        var keys = Enumerable.Range(0, 3_000)
            .Select(i => $"{(i % 2 == 0 ? 'A' : 'B')}12345678{random.Next(1_000_000)}.{i}")
            .Distinct(StringComparer.Ordinal)
            .ToArray();

        AssertSortsAsOrdinal(keys);
    }

    [Fact]
    public void Sorts_only_the_first_count_items_and_leaves_the_rest()
    {
        string[] keys = ["d", "c", "b", "a"];

        OrdinalKeyOrder.Sort(keys, 3, static key => key);

        Assert.Equal(["b", "c", "d", "a"], keys);
    }

    private static void AssertSortsAsOrdinal(string[] keys)
    {
        var expected = keys.Order(StringComparer.Ordinal).ToArray();
        // Items that are not the keys themselves, as the sync sorts its listing's entries by their key.
        var items = keys.Reverse().Select(key => (Key: key, Length: key.Length)).ToArray();

        OrdinalKeyOrder.Sort(items, items.Length, static item => item.Key);

        Assert.Equal(expected, items.Select(item => item.Key));
    }
}
