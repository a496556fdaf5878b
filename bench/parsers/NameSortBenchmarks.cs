using BenchmarkDotNet.Attributes;
using Facteur.MailStore.Index;

namespace Facteur.Bench.Parsers;

/// <summary>
/// A first sync's sort of the new Maildir names into UID order (<see cref="OrdinalKeyOrder"/>), on the names in
/// listing order (ext4 lists a directory in hash order: shuffled here). Two shapes: the bench corpus's, one
/// message a second (gen_maildir.py: <c>1790000001.M1P4242Q1.bench</c>), and a migration's, hundreds a second
/// (imapsync or doveadm writes them in bursts: <c>1790000000.M123456P4242Q7.host</c>, 50 per second), whose keys
/// share their first ten units in groups.
/// </summary>
[MemoryDiagnoser]
public class NameSortBenchmarks
{
    [Params(10_000, 100_000)]
    public int Messages { get; set; }

    [Params("one a second", "50 a second")]
    public string Shape { get; set; } = "one a second";

    private string[] listing = [];
    private string[] work = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(10);
        listing = Enumerable.Range(0, Messages)
            .Select(i => Shape == "one a second"
                ? $"{1_790_000_000 + i}.M{i}P4242Q{i}.bench"
                : $"{1_790_000_000 + (i / 50)}.M{random.Next(1_000_000)}P{4242 + (i % 7)}Q{i}.mx.example.org")
            .OrderBy(_ => random.Next())
            .ToArray();
        work = new string[Messages];
    }

    [Benchmark(Description = "sort new Maildir names into UID order")]
    public string Sort()
    {
        listing.CopyTo(work, 0);
        OrdinalKeyOrder.Sort(work, work.Length, static key => key);
        return work[0];
    }
}
