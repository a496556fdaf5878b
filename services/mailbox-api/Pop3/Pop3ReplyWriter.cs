using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// Every byte the server sends goes through here: status lines (<c>+OK</c>/<c>-ERR</c> with an
/// optional RFC 2449 §8 response code), multi-line responses with the terminating ".", and message
/// content streamed from disk with CRLF line ends and dot-stuffing (RFC 1939 §3).
/// </summary>
internal sealed class Pop3ReplyWriter(PipeWriter writer)
{
    public PipeWriter Writer { get; set; } = writer;

    public ValueTask<FlushResult> OkAsync(string text, CancellationToken cancellationToken)
    {
        WriteLine("+OK " + text);
        return Writer.FlushAsync(cancellationToken);
    }

    /// <param name="code">An RFC 2449/3206 response code such as IN-USE, AUTH, SYS/TEMP; null for none.</param>
    public ValueTask<FlushResult> ErrAsync(string? code, string text, CancellationToken cancellationToken)
    {
        WriteLine(code is null ? "-ERR " + text : $"-ERR [{code}] {text}");
        return Writer.FlushAsync(cancellationToken);
    }

    /// <summary>A SASL continuation (RFC 5034 §4): "+ " and base64 data.</summary>
    public ValueTask<FlushResult> ContinueAsync(string base64, CancellationToken cancellationToken)
    {
        WriteLine("+ " + base64);
        return Writer.FlushAsync(cancellationToken);
    }

    /// <summary>"+OK text", then each line dot-stuffed, then ".".</summary>
    public ValueTask<FlushResult> MultiLineAsync(string status, IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        WriteLine("+OK " + status);
        foreach (var line in lines)
        {
            WriteLine(line.StartsWith('.') ? "." + line : line);
        }

        WriteLine(".");
        return Writer.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// The multi-line LIST or UIDL answer: "+OK status", "n size" or "n unique-id" for each message not
    /// marked deleted, then ".". Numbers are formatted straight into the pipe (no string per line).
    /// No line needs dot-stuffing: each starts with a digit.
    /// </summary>
    /// <remarks>
    /// The answer goes out in chunks that double from <see cref="FirstListingChunk"/> lines up to
    /// <see cref="ListingChunk"/>, and after each flush the writer yields to the thread pool. Why:
    /// a flush only queues Kestrel's socket send as a thread-pool work item; rendering on straight
    /// away kept this thread busy, so the send ran after the whole 10,000-line answer was rendered
    /// (strace: one 90 KB sendmsg about 0.5 ms after "LIST" arrived), and a line-at-a-time client
    /// such as Python's poplib sat idle until then. Dovecot writes 4 KB at a time as it renders, so
    /// its first lines reach the client early and the rest arrives while the client parses. Yielding
    /// puts our continuation behind the queued send, so each chunk is on the wire before the next is
    /// rendered; the first chunk is small so the client starts at once, and the chunks grow faster
    /// than a client can parse them, so it does not wait for the next. A large listing stays a
    /// bounded number of pipe buffers (the pipe's pause threshold still applies to each flush).
    /// </remarks>
    public async ValueTask<FlushResult> ListingAsync(string status, IReadOnlyList<Pop3Message> messages, bool uniqueIds, CancellationToken cancellationToken)
    {
        WriteLine("+OK " + status);
        var chunk = FirstListingChunk;
        for (var next = 0; next < messages.Count;)
        {
            next = WriteListingLines(messages, next, chunk, uniqueIds);
            if (next < messages.Count)
            {
                var flushed = await Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return flushed;
                }

                await Task.Yield();
                chunk = Math.Min(chunk * 2, ListingChunk);
            }
        }

        WriteLine(".");
        return await Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lines in the first flushed chunk of a LIST/UIDL answer (about 3 KB of LIST, 6 KB of UIDL).</summary>
    internal const int FirstListingChunk = 256;

    /// <summary>The most lines rendered between two flushes (about 45 KB of LIST).</summary>
    internal const int ListingChunk = 4096;

    /// <summary>
    /// Writes up to <paramref name="count"/> listing lines from <paramref name="start"/>; returns where
    /// to go on. Lines are formatted into one span of the pipe until it is full (one GetSpan/Advance per
    /// few hundred lines rather than per line). Compiled optimized at once: a listing is one call's
    /// loop, which as tier-0 code cost the first LIST/UIDL of a process several times what later ones cost.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int WriteListingLines(IReadOnlyList<Pop3Message> messages, int start, int count, bool uniqueIds)
    {
        var written = 0;
        var index = start;
        var span = Span<byte>.Empty;
        var used = 0;
        for (; index < messages.Count && written < count; index++)
        {
            var message = messages[index];
            if (message.Deleted)
            {
                continue;
            }

            // 11 digits for the number, a space, 20 for a size; a unique-id is 1..70 printable characters (RFC 1939 §7).
            var kept = uniqueIds ? message.Message.Pop3Uidl : null;
            var longest = 34 + (kept is null ? 16 : Encoding.UTF8.GetByteCount(kept));
            if (span.Length - used < longest)
            {
                if (used > 0)
                {
                    Writer.Advance(used);
                }

                span = Writer.GetSpan(Math.Max(longest, 4096));
                used = 0;
            }

            var line = span[used..];
            message.Number.TryFormat(line, out var length, default, CultureInfo.InvariantCulture);
            line[length++] = (byte)' ';
            if (kept is not null)
            {
                length += Encoding.UTF8.GetBytes(kept, line[length..]);
            }
            else if (uniqueIds)
            {
                // Maildrop.UidlOf's %08Xu%08Xv (lower-case hex, as Dovecot writes it), without a string per line.
                message.Message.Uid.TryFormat(line[length..], out var uidDigits, "x8", CultureInfo.InvariantCulture);
                length += uidDigits;
                message.UidValidity.TryFormat(line[length..], out var validityDigits, "x8", CultureInfo.InvariantCulture);
                length += validityDigits;
            }
            else
            {
                message.Size.TryFormat(line[length..], out var digits, default, CultureInfo.InvariantCulture);
                length += digits;
            }

            line[length++] = (byte)'\r';
            line[length++] = (byte)'\n';
            used += length;
            written++;
        }

        if (used > 0)
        {
            Writer.Advance(used);
        }

        return index;
    }

    /// <summary>Writes "+OK text" without flushing: the message content follows.</summary>
    public void BeginMultiLine(string status) => WriteLine("+OK " + status);

    public ValueTask<FlushResult> EndMultiLineAsync(CancellationToken cancellationToken)
    {
        WriteLine(".");
        return Writer.FlushAsync(cancellationToken);
    }

    private void WriteLine(string line)
    {
        var count = Encoding.UTF8.GetByteCount(line);
        var span = Writer.GetSpan(count + 2);
        Encoding.UTF8.GetBytes(line, span);
        span[count] = (byte)'\r';
        span[count + 1] = (byte)'\n';
        Writer.Advance(count + 2);
    }
}
