using System.Text;
using BenchmarkDotNet.Attributes;
using Facteur.MailboxApi.Imap;
using Facteur.MailboxApi.Imap.Fetch;
using Facteur.MailboxApi.Imap.Search;
using MimeKit;

namespace Facteur.Bench.Parsers;

/// <summary>
/// One message header as a FETCH 1:* sees it 10,000 or 100,000 times: SEARCH's fields and the ENVELOPE
/// read from its octets (<see cref="SearchHeaders.Parse"/>, <see cref="EnvelopeWriter.TryWrite"/>)
/// against MimeKit's header parse they replace on the plain path.
/// </summary>
[MemoryDiagnoser]
public class HeaderScanBenchmarks
{
    private static readonly byte[] Header = Encoding.ASCII.GetBytes(
        "Return-Path: <order11@example.org>\r\n" +
        "Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n\tby mx.bench.test with ESMTP id b00000001; Mon, 2 Sep 2026 10:01:00 +0000\r\n" +
        "Message-ID: <bench.1@example.org>\r\nDate: Mon, 2 Sep 2026 10:01:00 +0000\r\nFrom: Sender 1 <order11@example.org>\r\n" +
        "To: <box@bench.test>\r\nSubject: draft mail queue #1\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");

    [Benchmark(Baseline = true, Description = "SEARCH fields: MimeKit HeaderList + decoded values")]
    public int SearchFieldsMimeKit() => SearchHeaders.From("k", HeaderList.Load(new MemoryStream(Header))).Fields.Length;

    [Benchmark(Description = "SEARCH fields: octet scan")]
    public int SearchFieldsScan() => SearchHeaders.Parse("k", Header).Fields.Length;

    [Benchmark(Description = "ENVELOPE: MimeKit HeaderList")]
    public int EnvelopeMimeKit()
    {
        var builder = new ImapResponseBuilder();
        EnvelopeWriter.Write(builder, HeaderList.Load(new MemoryStream(Header)));
        return builder.Written.Length;
    }

    [Benchmark(Description = "ENVELOPE: octet scan")]
    public int EnvelopeScan()
    {
        var builder = new ImapResponseBuilder();
        EnvelopeWriter.TryWrite(builder, Header);
        return builder.Written.Length;
    }
}
