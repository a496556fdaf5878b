using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Facteur.MailboxApi.Pop3;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>
/// The multi-line LIST and UIDL answers as <see cref="Pop3ReplyWriter.ListingAsync"/> writes them into a pipe:
/// every line across the flushes and the span refills, deleted messages left out, the first lines sent before
/// the rest is formatted.
/// </summary>
public sealed class ListingWriterTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_listing_of_ten_thousand_messages_has_every_line_once_in_order_without_the_deleted_ones(bool uniqueIds)
    {
        var messages = Messages(10_000);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0)); // never waits for the reader
        var writer = new Pop3ReplyWriter(pipe.Writer);

        await writer.ListingAsync("listing follows", messages, uniqueIds, CancellationToken.None);
        await pipe.Writer.CompleteAsync();

        var expected = new StringBuilder("+OK listing follows\r\n");
        foreach (var message in messages.Where(m => !m.Deleted))
        {
            expected.Append(CultureInfo.InvariantCulture, $"{message.Number} {(uniqueIds ? message.Uidl : message.Size.ToString(CultureInfo.InvariantCulture))}\r\n");
        }

        expected.Append(".\r\n");
        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(await ReadAllAsync(pipe.Reader)));
    }

    [Fact]
    public async Task The_first_lines_of_a_listing_are_flushed_before_the_rest_is_written()
    {
        var messages = Messages(10_000);
        // The writer waits once more than 1 byte is unread: the first flush must carry lines, and only the first
        // FirstFlushLines of them (the reader has not read anything yet, so nothing after can have been flushed).
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 2, resumeWriterThreshold: 1));
        var writer = new Pop3ReplyWriter(pipe.Writer);

        var listing = writer.ListingAsync("10000 messages", messages, uniqueIds: false, CancellationToken.None).AsTask();
        var first = await pipe.Reader.ReadAsync();
        var text = Encoding.ASCII.GetString(first.Buffer.ToArray());
        pipe.Reader.AdvanceTo(first.Buffer.End);

        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("+OK 10000 messages", lines[0]);
        Assert.Equal(Pop3ReplyWriter.FirstFlushLines, lines.Length - 1);
        Assert.False(listing.IsCompleted);

        var rest = await ReadAllAfterAsync(pipe, listing);
        Assert.EndsWith("\r\n.\r\n", rest, StringComparison.Ordinal);
        Assert.Equal(messages.Count(m => !m.Deleted), lines.Length - 1 + rest.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length - 1);
    }

    /// <summary>Numbered 1..n; every seventh deleted; some with a kept UIDL of up to 70 characters (RFC 1939 §7).</summary>
    private static List<Pop3Message> Messages(int count)
    {
        var messages = new List<Pop3Message>(count);
        for (var n = 1; n <= count; n++)
        {
            var kept = n % 5 == 0 ? new string((char)('!' + (n % 90)), 1 + (n % 70)) : null;
            var message = new MaildirMessage((uint)(n * 3), $"key{n}", $"key{n}:2,S", false, MaildirFlags.Seen, "", n, kept);
            messages.Add(new Pop3Message(n, message, (long)n * 997 % 100_000 + 1, 1_700_000_000u) { Deleted = n % 7 == 0 });
        }

        return messages;
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        using var all = new MemoryStream();
        while (true)
        {
            var read = await reader.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                all.Write(segment.Span);
            }

            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return all.ToArray();
            }
        }
    }

    private static async Task<string> ReadAllAfterAsync(Pipe pipe, Task listing)
    {
        var completing = listing.ContinueWith(_ => pipe.Writer.Complete(), TaskScheduler.Default);
        var rest = Encoding.ASCII.GetString(await ReadAllAsync(pipe.Reader));
        await listing;
        await completing;
        return rest;
    }
}
