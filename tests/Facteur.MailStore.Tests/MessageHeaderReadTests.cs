using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Tests;

public sealed class MessageHeaderReadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("facteur-hread-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Crlf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

    private (string Header, long Size) ReadFile(string text, bool countSize)
    {
        var path = Path.Combine(_directory, "m");
        File.WriteAllText(path, text, Encoding.ASCII);
        using var file = File.OpenHandle(path);
        var (header, size) = MessageHeaderRead.Read(file, countSize);
        return (Encoding.ASCII.GetString(header), size);
    }

    [Theory]
    [InlineData("Subject: a\nTo: b\n\nbody\nmore\n", "Subject: a\r\nTo: b\r\n\r\n")]
    [InlineData("Subject: a\r\nTo: b\r\n\r\nbody\r\n", "Subject: a\r\nTo: b\r\n\r\n")]
    [InlineData("Subject: a\r\nX: folded\n\tline\n\r\nbody\n", "Subject: a\r\nX: folded\r\n\tline\r\n\r\n")]
    [InlineData("Subject: no body, no empty line\n", "Subject: no body, no empty line\r\n")]
    [InlineData("\nbody only\n", "\r\n")]
    [InlineData("", "")]
    public void The_header_ends_with_its_empty_line_and_every_line_end_is_CRLF(string file, string header)
    {
        var (read, size) = ReadFile(file, countSize: true);

        Assert.Equal(header, read);
        Assert.Equal(Encoding.ASCII.GetByteCount(Crlf(file)), size);
    }

    [Fact]
    public void Without_counting_the_size_is_not_reported()
    {
        var (read, size) = ReadFile("Subject: a\n\nbody\n", countSize: false);

        Assert.Equal("Subject: a\r\n\r\n", read);
        Assert.Equal(-1, size);
    }

    [Fact]
    public void A_message_larger_than_one_read_is_counted_whole_and_its_header_read_once()
    {
        // A body well past the first 64 KiB read, with a CR as the last byte of that read and its LF the first of the next.
        var text = new StringBuilder("Subject: big\n\n");
        var line = 0;
        while (text.Length < (64 * 1024) - 40)
        {
            text.Append("line ").Append(line).Append(line++ % 3 == 0 ? "\n" : "\r\n");
        }

        text.Append('x', (64 * 1024) - 1 - text.Length).Append("\r\n").Append(string.Concat(Enumerable.Repeat("tail\n", 20_000))).Append("end\r\n");
        Assert.Equal('\r', text[(64 * 1024) - 1]);

        var (read, size) = ReadFile(text.ToString(), countSize: true);

        Assert.Equal("Subject: big\r\n\r\n", read);
        Assert.Equal(Crlf(text.ToString()).Length, size);
    }

    [Fact]
    public void A_header_longer_than_the_first_reads_is_read_on_to_its_empty_line()
    {
        // 200 KiB of header fields (past both the 8 KiB header read and the 64 KiB first read), then the body.
        var header = new StringBuilder();
        for (var i = 0; header.Length < 200 * 1024; i++)
        {
            header.Append("X-Field-").Append(i).Append(": ").Append('v', 60).Append('\n');
        }

        var file = header + "\nthe body\n";
        foreach (var countSize in (bool[])[true, false])
        {
            var (read, size) = ReadFile(file, countSize);

            Assert.Equal(Crlf(header + "\n"), read);
            Assert.Equal(countSize ? Crlf(file).Length : -1, size);
        }
    }
}
