using System.Text;
using BenchmarkDotNet.Attributes;
using Facteur.SmtpGateway.Inbound;
using MimeKit;

namespace Facteur.Bench.Parsers;

/// <summary>
/// What inbound authentication reads of an unsigned spooled message to find DMARC's From domain:
/// the whole message parsed by MimeKit from the spool file (before), or the header block alone,
/// read with one positioned read and parsed from memory (<see cref="SpooledHeaderBlock"/>, after).
/// 2 KB and 100 KB messages shaped like smtp-source's (a few header fields, 76-column body lines).
/// </summary>
[MemoryDiagnoser]
public class InboundParseBenchmarks
{
    private string directory = "";
    private string small = "";
    private string large = "";

    [GlobalSetup]
    public void Setup()
    {
        directory = Directory.CreateTempSubdirectory("facteur-bench-inbound-").FullName;
        small = Write("small.eml", 2 * 1024);
        large = Write("large.eml", 100 * 1024);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(directory, recursive: true);

    [Benchmark(Baseline = true, Description = "2 KB: full MimeKit parse from the file")]
    public Task<string?> SmallFull() => FullAsync(small);

    [Benchmark(Description = "2 KB: header block only")]
    public string? SmallHeaderBlock() => HeaderBlock(small);

    [Benchmark(Description = "100 KB: full MimeKit parse from the file")]
    public Task<string?> LargeFull() => FullAsync(large);

    [Benchmark(Description = "100 KB: header block only")]
    public string? LargeHeaderBlock() => HeaderBlock(large);

    private static async Task<string?> FullAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.Asynchronous);
        var message = await MimeMessage.LoadAsync(stream, persistent: true).ConfigureAwait(false);
        return message.From.Mailboxes.FirstOrDefault()?.Domain;
    }

    private static string? HeaderBlock(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var block = SpooledHeaderBlock.Read(handle)!.Value;
        using var memory = new MemoryStream(block.Buffer, 0, block.Length, writable: false);
        return MimeMessage.Load(memory).From.Mailboxes.FirstOrDefault()?.Domain;
    }

    private string Write(string name, int size)
    {
        var text = new StringBuilder(
            "Received: from client.example.org (client.example.org [192.0.2.10])\r\n\tby mx.bench.test with ESMTP id 01ABC; Sun, 29 Nov 2026 14:00:00 +0000\r\n" +
            "From: <sender@load.test>\r\nTo: <bench@bench.test>\r\nDate: Sun, 29 Nov 2026 14:00:00 +0000\r\n" +
            "Message-Id: <20261129140000.1@load.test>\r\nSubject: load test\r\n\r\n");
        while (text.Length < size)
        {
            text.Append("La de da de da 1. La de da de da 2. La de da de da 3. La de da de da 4.\r\n");
        }

        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text.ToString(), Encoding.ASCII);
        return path;
    }
}
