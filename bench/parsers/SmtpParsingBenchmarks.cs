using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Facteur.SmtpGateway.Framing;
using Facteur.SmtpGateway.Parsing;

namespace Facteur.Bench.Parsers;

/// <summary>
/// The SMTP gateway's hot path per message: framing the command lines of one transaction and
/// parsing them, then decoding DATA (dot-unstuffing, line-ending checks) of a 2 KB and a 100 KB
/// message into a buffer, as the session does before the spool write.
/// </summary>
[MemoryDiagnoser]
public class SmtpParsingBenchmarks
{
    private const int MaxLine = 1000;

    private static readonly byte[] Transaction = Encoding.ASCII.GetBytes(
        "EHLO client.example.org\r\n" +
        "MAIL FROM:<sender.name@example.org> SIZE=102400 BODY=8BITMIME\r\n" +
        "RCPT TO:<alice@esp.sn>\r\n" +
        "RCPT TO:<bob@esp.sn> NOTIFY=SUCCESS,FAILURE\r\n" +
        "DATA\r\n");

    private readonly ArrayBufferWriter<byte> output = new(128 * 1024);
    private byte[] small = [];
    private byte[] large = [];

    [GlobalSetup]
    public void Setup()
    {
        small = DotStuffed(2 * 1024);
        large = DotStuffed(100 * 1024);
    }

    [Benchmark(Description = "frame + parse EHLO/MAIL/RCPT×2/DATA")]
    public int CommandLines()
    {
        var framer = new LineFramer();
        var buffer = new ReadOnlySequence<byte>(Transaction);
        var parsed = 0;
        while (framer.TryReadLine(buffer, MaxLine, out var line, out var consumed) == LineStatus.Line)
        {
            var reader = new SequenceReader<byte>(line);
            var verb = CommandLineParser.Parse(ref reader, out _);
            var arguments = new SequenceReader<byte>(reader.UnreadSequence);
            parsed += verb switch
            {
                SmtpVerb.Mail => MailFromParser.TryParse(ref arguments, out _, out _) ? 1 : 0,
                SmtpVerb.Rcpt => RcptToParser.TryParse(ref arguments, out _, out _) ? 1 : 0,
                _ => 1,
            };
            buffer = buffer.Slice(consumed);
        }

        return parsed;
    }

    [Benchmark(Description = "DATA decode 2 KB")]
    public long DataSmall() => Decode(small);

    [Benchmark(Description = "DATA decode 100 KB")]
    public long DataLarge() => Decode(large);

    private long Decode(byte[] data)
    {
        output.ResetWrittenCount();
        var decoder = new DataDecoder(50L * 1024 * 1024, MaxLine);
        if (!decoder.Decode(new ReadOnlySequence<byte>(data), output, out _))
        {
            throw new InvalidOperationException("the end of DATA was not found");
        }

        return decoder.Size;
    }

    /// <summary>A message of about <paramref name="size"/> bytes, 76-character lines, some starting with a dot.</summary>
    private static byte[] DotStuffed(int size)
    {
        var text = new StringBuilder("Subject: bench\r\nFrom: <a@example.org>\r\nTo: <alice@esp.sn>\r\n\r\n");
        var n = 0;
        while (text.Length < size)
        {
            text.Append(n++ % 20 == 0 ? ".." : "").Append('x', 74).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(text.Append(".\r\n").ToString());
    }
}
