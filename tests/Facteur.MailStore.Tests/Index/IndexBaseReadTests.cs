using System.Text;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// facteur-index's base read from its bytes (FolderIndexFile.ReadBase): every field of every line comes back as it
/// was written, across the read buffer's edges and in names that are not ASCII; what Facteur never writes is refused.
/// </summary>
public sealed class IndexBaseReadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("facteur-index-read-").FullName;

    private string IndexPath => Path.Combine(_directory, FolderIndexFile.FileName);

    private static string IndexPathOf(IndexTestMaildir maildir) => Path.Combine(maildir.UserPath, FolderIndexFile.FileName);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IndexEntry Entry(uint uid, string name, bool isNew = false) => new()
    {
        Uid = uid,
        FileName = name,
        IsNew = isNew,
        ModSeq = uid * 3,
        Size = uid % 7 == 0 ? -1 : 1_000 + uid,
        InternalDateMs = uid % 5 == 0 ? MessageFileFacts.UnknownDateMs : 1_790_000_000_000 - uid,
        CacheOffset = uid % 2 == 0 ? -1 : uid * 100,
        CacheLength = uid % 2 == 0 ? 0 : 90,
        FetchOffset = uid % 3 == 0 ? -1 : uid * 200,
        FetchLength = uid % 3 == 0 ? 0 : 150,
    };

    private FolderIndexFile Written(IEnumerable<IndexEntry> entries)
    {
        var index = new FolderIndexFile { UidValidity = 1_700_000_000, HighestModSeq = 1_000_000, Stamp = new DirectoryStamp(1, 2, 3, 4) };
        index.Expunged.Add((7_000_000, 5));
        index.Expunged.Add((7_000_001, 6));
        index.Entries.AddRange(entries);
        index.Save(IndexPath);
        return index;
    }

    private static object Fields(IndexEntry e) =>
        (e.Uid, e.FileName, e.Key, e.IsNew, e.ModSeq, e.Size, e.InternalDateMs, e.CacheOffset, e.CacheLength, e.FetchOffset, e.FetchLength);

    [Fact]
    public void Thousands_of_lines_come_back_field_for_field_across_the_read_buffers_edges()
    {
        // ≈ 110 bytes a line: 5,000 lines are 550 KB, so lines straddle the 64 KB buffer's end about nine times.
        var entries = Enumerable.Range(1, 5_000)
            .Select(i => Entry((uint)i * 2, $"{1_790_000_000 + i}.M{i}P{i % 977}Q{i}.bench.test,S={2_000 + i}:2,{(i % 4 == 0 ? "RS" : "S")}", isNew: i % 9 == 0))
            .ToList();
        var written = Written(entries);

        var read = FolderIndexFile.Read(IndexPath);

        Assert.NotNull(read);
        Assert.True(new FileInfo(IndexPath).Length > 4 * 64 * 1024, "the base spans several buffers");
        Assert.Equal(written.Generation, read.Generation);
        Assert.Equal((written.UidValidity, written.HighestModSeq, written.Stamp), (read.UidValidity, read.HighestModSeq, read.Stamp));
        Assert.Equal(written.Expunged, read.Expunged);
        Assert.All(read.Entries, e => Assert.Null(e.KnownKey)); // not cut until asked
        Assert.Equal(entries.Select(Fields), read.Entries.Select(Fields));
        Assert.False(read.HasChanges);
    }

    [Fact]
    public void A_name_in_utf8_and_a_name_without_info_keep_their_characters_and_keys()
    {
        Written([Entry(1, "1790000001.M1P1.hôte-été.例え:2,S"), Entry(2, "1790000002.M2P2.host", isNew: true), Entry(3, "1790000003.M3P3.host:2,")]);

        var read = FolderIndexFile.Read(IndexPath);

        Assert.NotNull(read);
        Assert.Equal(["1790000001.M1P1.hôte-été.例え:2,S", "1790000002.M2P2.host", "1790000003.M3P3.host:2,"], read.Entries.Select(e => e.FileName));
        Assert.Equal(["1790000001.M1P1.hôte-été.例え", "1790000002.M2P2.host", "1790000003.M3P3.host"], read.Entries.Select(e => e.Key));
    }

    [Fact]
    public void A_last_line_without_its_line_feed_is_still_read()
    {
        Written([Entry(1, "a.host:2,S"), Entry(2, "b.host:2,")]);
        var bytes = File.ReadAllBytes(IndexPath);
        Assert.Equal((byte)'\n', bytes[^1]);
        File.WriteAllBytes(IndexPath, bytes[..^1]);

        var read = FolderIndexFile.Read(IndexPath);

        Assert.NotNull(read);
        Assert.Equal(["a.host:2,S", "b.host:2,"], read.Entries.Select(e => e.FileName));
    }

    [Theory]
    [InlineData("1 2 3 4 5 6 7 8 x name")] // neither n nor c
    [InlineData("1 2 3 4 5 6 7 8 c ")] // no name
    [InlineData("1 2 three 4 5 6 7 8 c name")]
    [InlineData("0 2 3 4 5 6 7 8 c name")] // UID 0
    [InlineData("5 2 3 4 5 6 7 8 c name")] // not above the line before (UID 5)
    [InlineData("9 2000000 3 4 5 6 7 8 c name")] // a mod-sequence above the header's H
    [InlineData("X 9")] // an expunge without its mod-sequence
    [InlineData("X 9 10 11")]
    public void A_line_Facteur_never_writes_makes_the_base_unreadable_so_it_is_rebuilt(string line)
    {
        Written([Entry(5, "a.host:2,S")]);
        File.AppendAllText(IndexPath, line + "\n");

        Assert.Null(FolderIndexFile.Read(IndexPath));
    }

    [Fact]
    public void A_line_longer_than_the_read_buffer_is_refused_not_split()
    {
        Written([Entry(5, "a.host:2,S")]);
        File.AppendAllText(IndexPath, "9 9 1 1 -1 0 -1 0 c " + new string('k', 70 * 1024) + ":2,S\n");

        Assert.Null(FolderIndexFile.Read(IndexPath));
    }

    [Fact]
    public async Task A_record_and_its_index_entry_share_one_key_string_cut_when_first_asked()
    {
        using var maildir = new IndexTestMaildir();
        var delivered = Enumerable.Range(0, 3).Select(i => Path.GetFileName(maildir.Deliver(IndexTestMaildir.Message($"m{i}"), info: "S"))).ToList();
        foreach (var sub in (string[])["new", "cur"])
        {
            Directory.SetLastWriteTimeUtc(Path.Combine(maildir.UserPath, sub), DateTime.UtcNow.AddMinutes(-1));
        }

        await maildir.Mailbox.OpenFolderAsync("INBOX");
        for (var i = 0; i < 100 && FolderIndexFile.Read(IndexPathOf(maildir))?.Stamp is null; i++)
        {
            await Task.Delay(100); // the stamp, once the first sync's listing settles (see FirstSyncTests)
        }

        // A restart: the index is read, the directories are not listed.
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var state = other.State;

        Assert.Equal(0, other.FullSyncs);
        Assert.Equal(3, state.Count);
        foreach (var record in state.Messages)
        {
            Assert.NotNull(record.Entry);
            Assert.Null(record.Entry.KnownKey);
            Assert.Same(record.Key, record.Entry.Key);
            Assert.Contains(record.Key + ":2,S", delivered);
        }
    }

    [Fact]
    public void A_record_given_no_key_cuts_it_from_its_file_name_when_asked()
    {
        var record = new MessageRecord(4, null!, "1790000004.M4P4.host,S=12:2,RS", false, MessageFlags.Seen, [], 9, 12, DateTimeOffset.UnixEpoch);
        var keyed = new MessageRecord(4, "given", "1790000004.M4P4.host,S=12:2,RS", false, MessageFlags.Seen, [], 9, 12, DateTimeOffset.UnixEpoch);

        Assert.Equal("1790000004.M4P4.host,S=12", record.Key);
        Assert.Equal("given", keyed.Key);
        Assert.Equal("1790000005.M5P5.host", (record with { Key = "1790000005.M5P5.host" }).Key);
    }
}
