using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Tests;

public sealed class MessageVirtualSizeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("facteur-vsize-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static long Expected(string text) =>
        Encoding.ASCII.GetByteCount(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

    [Theory]
    [InlineData("")]
    [InlineData("a\r\nb\r\n")]
    [InlineData("a\nb\n")]
    [InlineData("\n\n\r\n\n")]
    [InlineData("\r\r\n\n\r")]
    [InlineData("no newline")]
    public void A_file_and_a_stream_count_every_bare_LF_as_CRLF(string text)
    {
        var path = Path.Combine(_directory, "m");
        File.WriteAllText(path, text, Encoding.ASCII);

        Assert.Equal(Expected(text), MessageVirtualSize.Compute(path));
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(text));
        Assert.Equal(Expected(text), MessageVirtualSize.Compute(stream));
    }

    [Fact]
    public void A_file_larger_than_one_read_counts_a_CRLF_split_across_reads_once()
    {
        // Lines of mixed endings, with a CR as the last byte of the first 64 KB read and its LF the first of the next.
        var text = new StringBuilder();
        var line = 0;
        while (text.Length < (64 * 1024) - 40)
        {
            text.Append("line ").Append(line).Append(line++ % 3 == 0 ? "\n" : "\r\n");
        }

        text.Append('x', (64 * 1024) - 1 - text.Length).Append("\r\n").Append("tail\nend\r\n");
        Assert.Equal('\r', text[(64 * 1024) - 1]);
        var path = Path.Combine(_directory, "big");
        File.WriteAllText(path, text.ToString(), Encoding.ASCII);

        Assert.Equal(Expected(text.ToString()), MessageVirtualSize.Compute(path));
    }

    [Fact]
    public void A_file_that_is_gone_has_no_size()
    {
        Assert.Null(MessageVirtualSize.Compute(Path.Combine(_directory, "gone")));
        Assert.Null(MessageVirtualSize.Compute(Path.Combine(_directory, "no-such-dir", "gone")));
    }
}
