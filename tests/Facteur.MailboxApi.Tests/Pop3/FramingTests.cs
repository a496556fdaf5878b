using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Facteur.MailboxApi.Pop3;
using Facteur.MailboxApi.Pop3.Framing;

namespace Facteur.MailboxApi.Tests.Pop3;

public sealed class FramingTests
{
    [Fact]
    public async Task Lines_end_at_crlf_or_bare_lf_and_overlong_lines_are_skipped_to_their_end()
    {
        var pipe = new Pipe();
        var reader = new Pop3LineReader(pipe.Reader);
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes("NOOP\r\nSTAT\n" + new string('x', 5000) + "\r\nQUIT\r\n"));
        await pipe.Writer.CompleteAsync();

        Assert.Equal("NOOP", Encoding.ASCII.GetString((await reader.ReadLineAsync(100, default)).Bytes));
        Assert.Equal("STAT", Encoding.ASCII.GetString((await reader.ReadLineAsync(100, default)).Bytes));
        Assert.Equal(Pop3LineStatus.TooLong, (await reader.ReadLineAsync(100, default)).Status);
        Assert.Equal("QUIT", Encoding.ASCII.GetString((await reader.ReadLineAsync(100, default)).Bytes));
        Assert.Equal(Pop3LineStatus.Closed, (await reader.ReadLineAsync(100, default)).Status);
    }

    [Fact]
    public async Task An_overlong_line_arriving_in_pieces_is_not_buffered_whole()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048));
        var reader = new Pop3LineReader(pipe.Reader);
        var writing = Task.Run(async () =>
        {
            var chunk = Encoding.ASCII.GetBytes(new string('y', 1024));
            for (var i = 0; i < 1024; i++)
            {
                // With a 4 KB pause threshold this only completes if the reader keeps discarding.
                await pipe.Writer.WriteAsync(chunk);
            }

            await pipe.Writer.WriteAsync("\r\nNOOP\r\n"u8.ToArray());
            await pipe.Writer.CompleteAsync();
        });
        Assert.Equal(Pop3LineStatus.TooLong, (await reader.ReadLineAsync(512, default)).Status);
        Assert.Equal("NOOP", Encoding.ASCII.GetString((await reader.ReadLineAsync(512, default)).Bytes));
        await writing.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("a\nb\n", null, "a\r\nb\r\n", 6)]
    [InlineData("a\r\nb\r\n", null, "a\r\nb\r\n", 6)]
    [InlineData(".\n..x\n", null, "..\r\n...x\r\n", 8)]
    [InlineData("no final newline", null, "no final newline\r\n", 16)]
    [InlineData("H: 1\n\nb1\nb2\nb3\n", 2, "H: 1\r\n\r\nb1\r\nb2\r\n", 16)]
    [InlineData("H: 1\r\n\r\nb1\r\n", 0, "H: 1\r\n\r\n", 8)]
    [InlineData("H: 1\r\n\r\n.b1\r\n", 5, "H: 1\r\n\r\n..b1\r\n", 13)]
    [InlineData("bare\rcr\n", null, "bare\rcr\r\n", 9)]
    public async Task Message_content_goes_out_with_crlf_and_dot_stuffing(string onDisk, int? bodyLines, string wire, long counted)
    {
        var (sent, output) = await TransferAsync(Encoding.ASCII.GetBytes(onDisk), bodyLines);

        Assert.Equal(wire, Encoding.ASCII.GetString(output));
        Assert.Equal(counted, sent);
    }

    [Fact]
    public async Task A_large_message_is_transformed_the_same_across_read_chunks()
    {
        // ~600 KB: lines of every length up to 3,000 bytes, so LFs, CRLFs and leading dots fall on
        // both sides of every 64 KB read boundary.
        var random = new Random(1939);
        var onDisk = new StringBuilder();
        var expected = new StringBuilder();
        var stuffed = 0;
        while (onDisk.Length < 600_000)
        {
            var line = (random.Next(4) == 0 ? "." : "") + new string((char)('a' + random.Next(26)), random.Next(3000));
            onDisk.Append(line).Append(random.Next(2) == 0 ? "\n" : "\r\n");
            stuffed += line.StartsWith('.') ? 1 : 0;
            expected.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
        }

        var (sent, output) = await TransferAsync(Encoding.ASCII.GetBytes(onDisk.ToString()), bodyLines: null);

        Assert.Equal(expected.ToString(), Encoding.ASCII.GetString(output));
        Assert.Equal(expected.Length - stuffed, sent); // LIST's count: CRLF line ends, stuffing excluded
    }

    private static async Task<(long Sent, byte[] Output)> TransferAsync(byte[] onDisk, int? bodyLines)
    {
        using var scratch = new Infrastructure.ScratchDirectory();
        var path = Path.Combine(scratch.Path, "message");
        await File.WriteAllBytesAsync(path, onDisk);
        using var file = File.OpenHandle(path);
        // No back-pressure: the whole answer is read only after the writer is done.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var sent = await MessageContentWriter.WriteAsync(file, pipe.Writer, bodyLines, default);
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();
        while (!result.IsCompleted)
        {
            pipe.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await pipe.Reader.ReadAsync();
        }

        return (sent, result.Buffer.ToArray());
    }
}
