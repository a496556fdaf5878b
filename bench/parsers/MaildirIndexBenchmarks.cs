using BenchmarkDotNet.Attributes;
using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;

namespace Facteur.Bench.Parsers;

/// <summary>
/// The Maildir read side on a 10,000-message folder: parsing dovecot-uidlist, parsing file names
/// (flags, S=, W=), and a full synchronisation (readdir of cur/ and new/ against the uidlist),
/// which every SELECT and POP3 login pays; and IMAP's own index (facteur-index): built by the first
/// SELECT of a Maildir nobody indexed (names without <c>W=</c>, as Dovecot's and the bench corpus's),
/// and loaded by a process that did not build it.
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
    private string mailRoot = string.Empty;
    private string imapFolder = string.Empty;
    private MessageStore? store;

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

        mailRoot = Directory.CreateTempSubdirectory("facteur-bench-mailroot-").FullName;
        imapFolder = Path.Combine(mailRoot, "bench.test", "box");
        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(Path.Combine(imapFolder, sub));
        }

        for (var i = 0; i < Messages; i++)
        {
            // As gen_maildir.py names them: S= but no W=, so the size is not in the name.
            File.WriteAllText(Path.Combine(imapFolder, "cur", $"{1_790_000_000 + i}.M{i}P4242Q{i}.bench,S=14:2,{(i % 3 == 0 ? "" : "S")}"), "Subject: x\n\nx\n");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Directory.Delete(folderPath, recursive: true);
        Directory.Delete(mailRoot, recursive: true);
    }

    [IterationSetup(Target = nameof(BuildImapIndex))]
    public void ForgetImapIndex()
    {
        foreach (var file in (string[])["dovecot-uidlist", "facteur-index", "facteur-index.log", "facteur-cache"])
        {
            File.Delete(Path.Combine(imapFolder, file));
        }

        store = new MessageStore(mailRoot, new MailboxOptions());
    }

    [IterationSetup(Target = nameof(LoadImapIndex))]
    public void NewProcess()
    {
        var indexPath = Path.Combine(imapFolder, "facteur-index");
        if (!File.Exists(indexPath))
        {
            // The first process's SELECT, then its background sync once the listing has settled (MailFolder.TrustWhenSettled):
            // it writes the directory stamp, so the measured load is a restart's (the index read, no listing).
            var first = new MessageStore(mailRoot, new MailboxOptions());
            first.OpenUser("box@bench.test").OpenFolderAsync("INBOX").GetAwaiter().GetResult();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!File.ReadLines(indexPath).First().Contains(" D", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }

            GC.KeepAlive(first);
        }

        store = new MessageStore(mailRoot, new MailboxOptions());
    }

    [Benchmark(Description = "IMAP: build the index (first SELECT, no uidlist, no W=)")]
    public async Task<int> BuildImapIndex() => (await store!.OpenUser("box@bench.test").OpenFolderAsync("INBOX")).State.Count;

    [Benchmark(Description = "IMAP: load facteur-index (another process, directories unchanged)")]
    public async Task<int> LoadImapIndex() => (await store!.OpenUser("box@bench.test").OpenFolderAsync("INBOX")).State.Count;

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
