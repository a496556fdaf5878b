using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using Facteur.MailboxApi.Imap.Fetch;
using Facteur.MailboxApi.Imap.Framing;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailboxApi.Imap.Search;

namespace Facteur.Bench.Parsers;

/// <summary>
/// IMAP command framing and parsing, as ImapSession does it: the tag, the command name (after UID),
/// then the command's own arguments with the parsers its handler uses. The commands are the ones a
/// client sends most (Thunderbird's header FETCH after SELECT, a flag STORE) and RFC 3501's own
/// SEARCH example (§6.4.4); the framing case is a pipelined burst with an APPEND literal (RFC 7888).
/// </summary>
[MemoryDiagnoser]
public class ImapParsingBenchmarks
{
    private static readonly byte[] HeaderFetch = Encoding.ASCII.GetBytes(
        "A003 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID " +
        "Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])\r\n");

    private static readonly byte[] Rfc3501Search =
        Encoding.ASCII.GetBytes("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");

    private static readonly byte[] FlagStore =
        Encoding.ASCII.GetBytes("A005 UID STORE 4:9,12,20:25 +FLAGS.SILENT (\\Seen \\Flagged $Label1)\r\n");

    private static readonly byte[] Burst = Encoding.ASCII.GetBytes(
        "a1 CAPABILITY\r\na2 SELECT INBOX\r\na3 UID FETCH 1:* (FLAGS)\r\n" +
        "a4 APPEND Sent (\\Seen) {64+}\r\n" + new string('x', 62) + "\r\n\r\n" +
        "a5 UID STORE 7 +FLAGS (\\Deleted)\r\na6 UID EXPUNGE 7\r\na7 NOOP\r\na8 LOGOUT\r\n");

    /// <summary>
    /// A suite that measured a parse error or a cut-short burst would time the wrong path: each case is
    /// checked once first.
    /// </summary>
    [GlobalSetup]
    public void CheckTheCases()
    {
        var frames = FrameBurst().GetAwaiter().GetResult();
        // Four fetch items and a set holding 1; FLAGGED, SINCE and NOT under one AND; three flags, the
        // item name and a set holding 4; eight commands.
        if (UidHeaderFetch() != 4 + 1 || UidStore() != 3 + "+FLAGS.SILENT".Length + 1 || Search() != 3 || frames != 8)
        {
            throw new InvalidOperationException($"The IMAP cases do not parse as expected ({frames} of 8 commands framed).");
        }
    }

    [Benchmark(Description = "UID FETCH of Thunderbird's header fields")]
    public int UidHeaderFetch()
    {
        var arguments = Command(HeaderFetch);
        var set = SequenceSet.Parse(arguments.ReadToken());
        arguments.Space();
        var items = FetchItem.ParseList(arguments);
        arguments.ExpectEnd();
        return items.Count + (set.Contains(1, 100) ? 1 : 0);
    }

    [Benchmark(Description = "SEARCH, RFC 3501 §6.4.4's example")]
    public int Search()
    {
        var arguments = Command(Rfc3501Search);
        var program = SearchKey.ParseProgram(arguments);
        arguments.ExpectEnd();
        return program.Children.Count;
    }

    [Benchmark(Description = "UID STORE +FLAGS.SILENT of three flags")]
    public int UidStore()
    {
        var arguments = Command(FlagStore);
        var set = SequenceSet.Parse(arguments.ReadToken());
        arguments.Space();
        var item = arguments.ReadAtom();
        arguments.Space();
        var flags = 0;
        arguments.ReadList(() =>
        {
            arguments.ReadFlag();
            flags++;
        });
        arguments.ExpectEnd();
        return flags + item.Length + (set.Contains(4, 100) ? 1 : 0);
    }

    [Benchmark(Description = "frame 8 pipelined commands, one with a LITERAL+")]
    public async Task<int> FrameBurst()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Burst);
        await pipe.Writer.CompleteAsync();
        var reader = new ImapCommandReader(pipe.Reader);
        var framed = 0;
        while (true)
        {
            var frame = await reader.ReadCommandAsync(8192, 1024 * 1024, static _ => ValueTask.CompletedTask, spill: null, CancellationToken.None);
            if (frame.Status != ImapFrameStatus.Command)
            {
                return framed;
            }

            framed++;
        }
    }

    /// <summary>
    /// The tag and the command name (the one after UID too), as ImapSession reads them, and the space
    /// before the arguments; returns the parser at the arguments.
    /// </summary>
    private static ImapParser Command(byte[] bytes)
    {
        var parser = new ImapParser(bytes);
        parser.ReadTag();
        parser.Space();
        if (parser.ReadAtom(allowBracket: false).Equals("UID", StringComparison.OrdinalIgnoreCase))
        {
            parser.Space();
            parser.ReadAtom(allowBracket: false);
        }

        parser.Space();
        return parser;
    }
}
