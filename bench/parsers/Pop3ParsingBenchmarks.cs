using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Facteur.MailboxApi.Pop3.Framing;
using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.Bench.Parsers;

/// <summary>POP3 framing and command parsing: a pipelined burst as a mail client sends it.</summary>
[MemoryDiagnoser]
public class Pop3ParsingBenchmarks
{
    private static readonly byte[] Burst = Encoding.ASCII.GetBytes(
        "USER alice@esp.sn\r\nPASS correct horse battery\r\nSTAT\r\nUIDL\r\nLIST\r\n" +
        "RETR 1\r\nRETR 2\r\nTOP 3 10\r\nDELE 1\r\nUIDL 42\r\nNOOP\r\nQUIT\r\n");

    [Benchmark(Description = "frame + parse 12 pipelined commands")]
    public int Burst12()
    {
        var buffer = new ReadOnlySequence<byte>(Burst);
        var discarding = false;
        var parsed = 0;
        while (Pop3LineReader.TryFrame(ref buffer, 255, ref discarding, out var line))
        {
            if (Pop3CommandParser.TryParse(line.Bytes, out _))
            {
                parsed++;
            }
        }

        return parsed;
    }
}
