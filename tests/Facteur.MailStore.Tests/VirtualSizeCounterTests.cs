using System.Text;

namespace Facteur.MailStore.Tests;

public class VirtualSizeCounterTests
{
    [Theory]
    [InlineData("a\r\nb\r\n")]
    [InlineData("a\nb\n")]
    [InlineData("a\r\nb\nc\r\n\n")]
    [InlineData("\n")]
    [InlineData("no newline")]
    [InlineData("\r\r\n\n\r")]
    public void W_counts_every_line_ending_as_CRLF_at_any_buffer_split(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var expected = Encoding.ASCII.GetByteCount(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

        for (var split = 0; split <= bytes.Length; split++)
        {
            var counter = new VirtualSizeCounter();
            counter.Add(bytes.AsSpan(0, split));
            counter.Add(bytes.AsSpan(split));
            Assert.Equal(bytes.Length, counter.Size);
            Assert.Equal(expected, counter.VirtualSize);
        }
    }
}
