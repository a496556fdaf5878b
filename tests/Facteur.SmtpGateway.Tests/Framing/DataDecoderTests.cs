using System.Buffers;
using System.Text;
using Facteur.SmtpGateway.Framing;

namespace Facteur.SmtpGateway.Tests.Framing;

public sealed class DataDecoderTests
{
    private sealed record Outcome(bool Ended, string Content, string Rest, DataDecoder Decoder);

    /// <summary>Feeds <paramref name="input"/> in pieces of <paramref name="chunk"/> octets, as reads would.</summary>
    private static Outcome Decode(string input, int chunk = int.MaxValue, long maxSize = 1_000_000, int maxLine = 1000)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var decoder = new DataDecoder(maxSize, maxLine);
        var output = new ArrayBufferWriter<byte>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var piece = new ReadOnlySequence<byte>(bytes, offset, Math.Min(chunk, bytes.Length - offset));
            if (decoder.Decode(piece, output, out var consumed))
            {
                var used = (int)piece.Slice(0, consumed).Length;
                return new Outcome(true, Encoding.UTF8.GetString(output.WrittenSpan), Encoding.UTF8.GetString(bytes, offset + used, bytes.Length - offset - used), decoder);
            }

            offset += (int)piece.Length;
        }

        return new Outcome(false, Encoding.UTF8.GetString(output.WrittenSpan), "", decoder);
    }

    public static TheoryData<string, string, string> Transparency => new()
    {
        { "Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n", "" },
        { ".\r\n", "", "" },
        { "..\r\n.\r\n", ".\r\n", "" },
        { "..leading\r\n.\r\n", ".leading\r\n", "" },
        { "...\r\n.\r\n", "..\r\n", "" },
        { ".x\r\n.\r\n", "x\r\n", "" },
        { "a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n", "" },
        { "a\r\n.\r\nQUIT\r\n", "a\r\n", "QUIT\r\n" },
        { "a\r\n.\r\n.\r\n", "a\r\n", ".\r\n" },
        { "NUL\0inside\r\n.\r\n", "NUL\0inside\r\n", "" },
    };

    [Theory]
    [MemberData(nameof(Transparency))]
    public void Dot_stuffing_is_removed_and_the_end_is_crlf_dot_crlf(string input, string content, string rest)
    {
        foreach (var chunk in new[] { 1, 2, 3, 7, int.MaxValue })
        {
            var outcome = Decode(input, chunk);
            Assert.True(outcome.Ended);
            Assert.Equal(content, outcome.Content);
            Assert.Equal(rest, outcome.Rest);
            Assert.False(outcome.Decoder.SmugglingAttempt);
        }
    }

    public static TheoryData<string, string> BareLineEndings => new()
    {
        { "a\nb\r\n.\r\n", "a\r\nb\r\n" },
        { "a\rb\r\n.\r\n", "a\r\nb\r\n" },
        { "a\n\nb\r\n.\r\n", "a\r\n\r\nb\r\n" },
        { "a\r\r\n.\r\n", "a\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(BareLineEndings))]
    public void Bare_lf_and_bare_cr_in_text_are_normalised_to_crlf(string input, string content)
    {
        foreach (var chunk in new[] { 1, 2, int.MaxValue })
        {
            var outcome = Decode(input, chunk);
            Assert.True(outcome.Ended);
            Assert.Equal(content, outcome.Content);
            Assert.True(outcome.Decoder.BareLineEndings);
            Assert.False(outcome.Decoder.SmugglingAttempt);
        }
    }

    /// <summary>The end-of-data variants of the 2023 SMTP smuggling research: none ends the message here.</summary>
    [Theory]
    [InlineData("a\n.\nMAIL FROM:<x@y>\r\n.\r\n")]
    [InlineData("a\r\n.\nMAIL FROM:<x@y>\r\n.\r\n")]
    [InlineData("a\n.\r\nMAIL FROM:<x@y>\r\n.\r\n")]
    [InlineData("a\r.\rMAIL FROM:<x@y>\r\n.\r\n")]
    [InlineData("a\r\n.\rMAIL FROM:<x@y>\r\n.\r\n")]
    [InlineData("a\r.\r\nMAIL FROM:<x@y>\r\n.\r\n")]
    public void Smuggled_end_of_data_is_not_an_end_and_marks_the_message(string input)
    {
        foreach (var chunk in new[] { 1, 2, int.MaxValue })
        {
            var outcome = Decode(input, chunk);
            Assert.True(outcome.Ended);
            Assert.Equal("", outcome.Rest); // the real end is the last CRLF.CRLF
            Assert.True(outcome.Decoder.SmugglingAttempt);
            Assert.Equal("a\r\n", outcome.Content); // nothing more is written once marked
        }
    }

    [Fact]
    public void Unterminated_data_needs_more_input()
    {
        var outcome = Decode("a\r\n.", 1);
        Assert.False(outcome.Ended);
        Assert.Equal("a\r\n", outcome.Content);
    }

    [Fact]
    public void Size_over_the_limit_is_flagged_and_output_stops_but_parsing_reaches_the_end()
    {
        var body = string.Concat(Enumerable.Repeat("0123456789\r\n", 100));
        var outcome = Decode(body + ".\r\nNOOP\r\n", 64, maxSize: 500);
        Assert.True(outcome.Ended);
        Assert.True(outcome.Decoder.TooLarge);
        Assert.Equal(body.Length, outcome.Decoder.Size);
        Assert.True(outcome.Content.Length <= 500);
        Assert.Equal("NOOP\r\n", outcome.Rest);
    }

    [Fact]
    public void A_line_longer_than_the_data_line_limit_is_flagged()
    {
        var outcome = Decode(new string('x', 998) + "\r\n.\r\n", maxLine: 1000);
        Assert.False(outcome.Decoder.LineTooLong);
        outcome = Decode(new string('x', 999) + "\r\n.\r\n", 100, maxLine: 1000);
        Assert.True(outcome.Ended);
        Assert.True(outcome.Decoder.LineTooLong);
    }

    [Fact]
    public void A_one_megabyte_line_costs_no_output_once_over_the_limit()
    {
        var outcome = Decode(new string('x', 1_048_576) + "\r\n.\r\n", 65536, maxLine: 65536);
        Assert.True(outcome.Ended);
        Assert.True(outcome.Decoder.LineTooLong);
        Assert.True(outcome.Content.Length < 65536);
    }
}
