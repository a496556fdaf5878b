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
        var pipe = new Pipe();
        using var source = new MemoryStream(Encoding.ASCII.GetBytes(onDisk));
        var sent = await MessageContentWriter.WriteAsync(source, pipe.Writer, bodyLines, default);
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();
        while (!result.IsCompleted)
        {
            pipe.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await pipe.Reader.ReadAsync();
        }

        Assert.Equal(wire, Encoding.ASCII.GetString(result.Buffer.ToArray()));
        Assert.Equal(counted, sent);
    }
}
