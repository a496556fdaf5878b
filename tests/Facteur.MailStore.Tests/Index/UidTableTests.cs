using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// The UID table a folder's lock-free readers use: additions go beside the settled table until they outgrow a
/// 64th of it, a table once handed out never changes, and a UID is never in it twice.
/// </summary>
public sealed class UidTableTests
{
    private static IndexEntry Entry(uint uid) => new() { Uid = uid, Key = $"k{uid}", FileName = $"k{uid}:2,", IsNew = false, ModSeq = uid, Size = 10, InternalDateMs = 0 };

    private static IndexEntry[] Entries(uint from, int count) => [.. Enumerable.Range(0, count).Select(i => Entry(from + (uint)i))];

    [Fact]
    public void Additions_wait_beside_the_settled_entries_and_the_table_they_were_added_to_does_not_see_them()
    {
        var settled = UidTable.Of(Entries(1, 1_000));
        var one = settled.With(Entries(1_001, 3));
        var two = one.With(Entries(1_004, 2));

        Assert.Equal(3, one.RecentCount);
        Assert.Equal(5, two.RecentCount);
        Assert.Equal(1_005, two.Count);
        Assert.True(two.TryGetValue(1, out var first) && first.Uid == 1);
        Assert.True(two.TryGetValue(1_005, out var last) && last.Key == "k1005");
        Assert.True(one.ContainsKey(1_003));
        Assert.False(one.ContainsKey(1_004));
        Assert.False(settled.TryGetValue(1_001, out _));
        Assert.Equal(1_000, settled.Count);
        Assert.Same(two, two.With([]));
    }

    [Fact]
    public void Past_its_limit_the_recent_table_is_merged_and_every_entry_is_still_found()
    {
        var table = UidTable.Of(Entries(1, 64_000)); // limit 1,000
        Assert.Equal(1_000, table.RecentLimit);
        var uid = 64_001u;
        for (var i = 0; i < 333; i++)
        {
            table = table.With(Entries(uid, 3));
            uid += 3;
        }

        Assert.Equal(999, table.RecentCount);
        table = table.With(Entries(uid, 2)); // 1,001 > 1,000: merged
        Assert.Equal(0, table.RecentCount);
        Assert.Equal(65_001, table.Count);
        for (var u = 1u; u <= 65_001; u += 97)
        {
            Assert.True(table.TryGetValue(u, out var entry) && entry.Uid == u, $"UID {u}");
        }

        Assert.True(table.ContainsKey(65_001));
        Assert.False(table.ContainsKey(65_002));
    }

    [Fact]
    public void A_uid_the_table_holds_cannot_be_added_again()
    {
        var table = UidTable.Of(Entries(1, 10)).With(Entries(11, 2));

        Assert.Throws<ArgumentException>(() => table.With([Entry(5)]));  // settled
        Assert.Throws<ArgumentException>(() => table.With([Entry(12)])); // recent
        Assert.Throws<ArgumentException>(() => UidTable.Of([Entry(1), Entry(1)]));
        Assert.Equal(12, table.Count);
    }

    [Fact]
    public void Uids_with_gaps_are_found_and_the_ones_in_the_gaps_are_not()
    {
        // As a folder after expunges: 3, 6, 9, … 3,000, and the gaps below, between and above.
        var entries = Enumerable.Range(1, 1_000).Select(i => Entry((uint)i * 3)).ToArray();
        var table = UidTable.Of(entries);

        foreach (var entry in entries)
        {
            Assert.True(table.TryGetValue(entry.Uid, out var found), $"UID {entry.Uid}");
            Assert.Same(entry, found);
        }

        foreach (var missing in (uint[])[0, 1, 2, 4, 5, 1_501, 2_999, 3_001, 1_000_000, uint.MaxValue])
        {
            Assert.False(table.ContainsKey(missing), $"UID {missing}");
        }
    }

    [Fact]
    public void Entries_given_out_of_order_are_found_and_merged_additions_keep_the_order()
    {
        var table = UidTable.Of([Entry(7), Entry(2), Entry(40), Entry(5)]);
        Assert.True(table.TryGetValue(2, out var two) && two.Uid == 2);
        Assert.True(table.ContainsKey(40));
        Assert.False(table.ContainsKey(6));

        // Past the recent limit (256 here): merged into the settled array, the earlier additions with them.
        var merged = table.With(Entries(100, 200)).With(Entries(1_000, 100));
        Assert.Equal(0, merged.RecentCount);
        Assert.Equal(304, merged.Count);
        foreach (var uid in (uint[])[2, 5, 7, 40, 100, 299, 1_000, 1_099])
        {
            Assert.True(merged.TryGetValue(uid, out var entry) && entry.Uid == uid, $"UID {uid}");
        }

        Assert.False(merged.ContainsKey(300));
        Assert.Throws<ArgumentException>(() => merged.With(Entries(1_099, 300))); // merged again, 1,099 twice
    }
}
