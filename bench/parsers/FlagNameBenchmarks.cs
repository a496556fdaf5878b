using BenchmarkDotNet.Attributes;
using Facteur.MailStore.Folders;

namespace Facteur.Bench.Parsers;

/// <summary>
/// The name work of a STORE +FLAGS (\Flagged) on every message of a 10,000-message folder, around each rename:
/// the full parse and WithInfo the flag path used (and a second parse for the record) against one read of the
/// ":2," info and one new name (<see cref="MaildirInfo"/>).
/// </summary>
[MemoryDiagnoser]
public class FlagNameBenchmarks
{
    private string[] names = [];

    [Params(10_000)]
    public int Messages { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        names = new string[Messages];
        for (var i = 0; i < Messages; i++)
        {
            names[i] = $"{1_790_000_000 + i}.M{i}P4242Q{i}.bench,S={2_000 + i % 5_000},W={2_050 + i % 5_000}:2,{(i % 3 == 0 ? "S" : "RS")}";
        }
    }

    [Benchmark(Baseline = true)]
    public int ParseAndWithInfoTwice()
    {
        var total = 0;
        foreach (var fileName in names)
        {
            var name = MaildirEntryName.Parse(fileName);
            var newName = name.WithInfo(name.Flags | MaildirFlags.Flagged, name.Keywords + string.Empty);
            total += newName.Length + (int)MaildirEntryName.Parse(newName).Flags;
        }

        return total;
    }

    [Benchmark]
    public int InfoOnce()
    {
        var total = 0;
        foreach (var fileName in names)
        {
            var info = MaildirInfo.Parse(fileName, out var keyLength);
            var wanted = info with { Flags = info.Flags | MaildirFlags.Flagged };
            total += wanted.FileName(fileName, keyLength).Length + (int)wanted.Flags;
        }

        return total;
    }
}
