using System.Buffers;
using System.Text;
using Facteur.SmtpGateway.Framing;

namespace Facteur.SmtpGateway.Tests.Framing;

public sealed class LineFramerTests
{
    [Theory]
    [InlineData("NOOP\r\n", "NOOP")]
    [InlineData("NOOP\n", "NOOP")]
    [InlineData("\r\n", "")]
    [InlineData("NOOP\r\nQUIT\r\n", "NOOP")]
    public void A_line_ends_at_lf_and_loses_its_cr(string input, string line)
    {
        var framer = new LineFramer();
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input));
        Assert.Equal(LineStatus.Line, framer.TryReadLine(buffer, 512, out var read, out _));
        Assert.Equal(line, Encoding.ASCII.GetString(read));
    }

    [Fact]
    public void An_incomplete_line_asks_for_more_and_consumes_nothing()
    {
        var framer = new LineFramer();
        var buffer = new ReadOnlySequence<byte>("MAIL FROM"u8.ToArray());
        Assert.Equal(LineStatus.NeedMoreData, framer.TryReadLine(buffer, 512, out _, out var consumed));
        Assert.Equal(buffer.Start, consumed);
    }

    [Fact]
    public void The_limit_counts_the_crlf()
    {
        var framer = new LineFramer();
        var exact = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 510) + "\r\n"));
        Assert.Equal(LineStatus.Line, framer.TryReadLine(exact, 512, out _, out _));
        var over = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('a', 511) + "\r\n"));
        Assert.Equal(LineStatus.TooLong, framer.TryReadLine(over, 512, out _, out _));
    }

    [Fact]
    public void An_over_long_line_is_discarded_across_reads_and_reported_at_its_end()
    {
        var framer = new LineFramer();
        var piece = new ReadOnlySequence<byte>(new byte[4096]);
        Assert.Equal(LineStatus.NeedMoreData, framer.TryReadLine(piece, 512, out _, out var consumed));
        Assert.Equal(piece.End, consumed); // dropped, not kept
        for (var i = 0; i < 256; i++)
        {
            Assert.Equal(LineStatus.NeedMoreData, framer.TryReadLine(piece, 512, out _, out consumed));
            Assert.Equal(piece.End, consumed);
        }

        var end = new ReadOnlySequence<byte>("xyz\r\nNOOP\r\n"u8.ToArray());
        Assert.Equal(LineStatus.TooLong, framer.TryReadLine(end, 512, out _, out consumed));
        Assert.Equal(LineStatus.Line, framer.TryReadLine(end.Slice(consumed), 512, out var next, out _));
        Assert.Equal("NOOP", Encoding.ASCII.GetString(next));
    }
}
