using BenchmarkDotNet.Attributes;
using Facteur.MailStore.Folders;

namespace Facteur.Bench.Parsers;

/// <summary>
/// The Maildir read side on a 10,000-message folder: parsing dovecot-uidlist, parsing file names
/// (flags, S=, W=), and a full synchronisation (readdir of cur/ and new/ against the uidlist),
/// which every SELECT and POP3 login pays.
/// </summary>
[MemoryDiagnoser]
public class MaildirIndexBenchmarks
{
    [Params(10_000)]
    public int Messages { get; set; }

    private string uidList = string.Empty;
    private string[] names = [];
    private string folderPath = string.Empty;
    private MaildirFolder? folder;

    [GlobalSetup]
    public void Setup()
    {
        var document = UidListDocument.CreateNew(DateTimeOffset.UnixEpoch.AddDays(20_000));
        names = new string[Messages];
        for (var i = 0; i < Messages; i++)
        {
            var key = $"{1_790_000_000 + i}.M{i}P4242Q{i}.bench";
            names[i] = $"{key},S={2_000 + i % 5_000},W={2_050 + i % 5_000}:2,{(i % 3 == 0 ? "S" : "RS")}";
            document.Records.Add(new UidListRecord((uint)i + 1, key, [$"S{2_000 + i % 5_000}"]));
        }

        document.NextUid = (uint)Messages + 1;
        uidList = document.ToString();

        folderPath = Directory.CreateTempSubdirectory("facteur-bench-maildir-").FullName;
        folder = new MaildirFolder(folderPath);
        folder.EnsureCreated();
        foreach (var name in names)
        {
            File.WriteAllText(Path.Combine(folderPath, "cur", name), "Subject: x\n\nx\n");
        }

        folder.SynchronizeAsync().GetAwaiter().GetResult(); // writes the uidlist once
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(folderPath, recursive: true);

    [Benchmark(Description = "parse dovecot-uidlist")]
    public int ParseUidList() => UidListDocument.Parse(new StringReader(uidList)).Records.Count;

    [Benchmark(Description = "parse Maildir file names")]
    public long ParseNames()
    {
        long total = 0;
        foreach (var name in names)
        {
            total += MaildirEntryName.Parse(name).Size ?? 0;
        }

        return total;
    }

    [Benchmark(Description = "synchronise folder (warm)")]
    public async Task<int> Synchronise() => (await folder!.SynchronizeAsync()).Messages.Count;
}
