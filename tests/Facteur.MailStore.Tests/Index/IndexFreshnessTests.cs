using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// The look at facteur-index after every IMAP command (FolderIndexFile.CheckFreshness): once the base's time is settled,
/// a stat stands in for the read of its generation, and a base another process writes is still seen at once.
/// </summary>
public sealed class IndexFreshnessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("facteur-index-fresh-").FullName;

    private string IndexPath => Path.Combine(_directory, FolderIndexFile.FileName);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private FolderIndexFile Written(uint uidValidity)
    {
        var index = new FolderIndexFile { UidValidity = uidValidity, HighestModSeq = 10 };
        index.Entries.Add(new IndexEntry { Uid = 1, FileName = "1790000001.M1P1Q1.host,S=10:2,S", IsNew = false, ModSeq = 1, Size = 12, InternalDateMs = 1_790_000_000_000 });
        index.Save(IndexPath);
        return index;
    }

    private void Settle() => File.SetLastWriteTimeUtc(IndexPath, DateTime.UtcNow - TimeSpan.FromSeconds(30));

    [Fact]
    public void A_settled_base_written_again_by_another_process_is_stale_at_the_next_look()
    {
        var mine = Written(1_700_000_000);
        Settle();
        Assert.Equal(IndexFreshness.Current, mine.CheckFreshness(IndexPath)); // read once, then remembered by its stat
        Assert.Equal(IndexFreshness.Current, mine.CheckFreshness(IndexPath));

        var theirs = FolderIndexFile.Read(IndexPath)!; // another process: same entries, a base of its own
        theirs.RequireRewrite();
        theirs.Save(IndexPath);

        Assert.NotEqual(mine.Generation, theirs.Generation);
        Assert.Equal(IndexFreshness.Stale, mine.CheckFreshness(IndexPath));
        Assert.Equal(IndexFreshness.Current, theirs.CheckFreshness(IndexPath));
    }

    [Fact]
    public void A_settled_base_replaced_by_one_of_the_same_length_but_another_time_is_read_again()
    {
        var mine = Written(1_700_000_000);
        Settle();
        Assert.Equal(IndexFreshness.Current, mine.CheckFreshness(IndexPath));

        // The same bytes but for one digit of the generation (so the same length), renamed in with a time of its own
        // that is old as well (a restore that keeps times): the time alone tells the look to read the generation.
        ReplaceGenerationDigit(DateTime.UtcNow - TimeSpan.FromSeconds(60));

        Assert.Equal(IndexFreshness.Stale, mine.CheckFreshness(IndexPath));
    }

    [Fact]
    public void A_base_written_moments_ago_is_read_at_every_look_until_its_time_settles()
    {
        var mine = Written(1_700_000_000);
        Assert.Equal(IndexFreshness.Current, mine.CheckFreshness(IndexPath));

        // Not settled, so nothing was remembered: a base of another generation written within the same clock tick
        // (same length, same time) is still found by its generation.
        ReplaceGenerationDigit(File.GetLastWriteTimeUtc(IndexPath));

        Assert.Equal(IndexFreshness.Stale, mine.CheckFreshness(IndexPath));
    }

    [Fact]
    public void The_generation_is_read_from_the_header_line_whatever_its_length_and_is_null_without_a_base()
    {
        Assert.Null(FolderIndexFile.ReadGeneration(IndexPath));
        Assert.Null(FolderIndexFile.ReadGeneration(Path.Combine(_directory, "no-such-folder", FolderIndexFile.FileName)));

        var mine = Written(1_700_000_000);
        Assert.Equal(mine.Generation, FolderIndexFile.ReadGeneration(IndexPath));

        // A header line longer than the 512 octets read first (fields a later version may add) is read whole.
        var text = File.ReadAllText(IndexPath);
        var lf = text.IndexOf('\n', StringComparison.Ordinal);
        File.WriteAllText(IndexPath, text[..lf] + " " + new string('X', 600) + text[lf..]);
        Assert.Equal(mine.Generation, FolderIndexFile.ReadGeneration(IndexPath));

        // An empty base (a write cut short before its rename cannot leave one, but a disk can) has no generation.
        File.WriteAllText(IndexPath, string.Empty);
        Assert.Null(FolderIndexFile.ReadGeneration(IndexPath));
    }

    /// <summary>Renames in a copy of the base with one digit of its generation changed (so the same length), with the time given.</summary>
    private void ReplaceGenerationDigit(DateTime time)
    {
        var text = File.ReadAllText(IndexPath);
        var g = text.IndexOf(" G", StringComparison.Ordinal) + 2;
        var other = Path.Combine(_directory, "other");
        File.WriteAllText(other, text[..g] + (text[g] == '1' ? '2' : '1') + text[(g + 1)..]);
        File.SetLastWriteTimeUtc(other, time);
        File.Move(other, IndexPath, overwrite: true);
    }
}
