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
    /// marked deleted, then ".". Numbers are formatted straight into the pipe (no string per line). The
    /// first <see cref="FirstFlushLines"/> lines go out at once, then the pipe is flushed every
    /// <see cref="FlushLines"/> lines so a 100,000-message listing is never one buffer. No line needs
    /// dot-stuffing: each starts with a digit.
    /// </summary>
    /// <remarks>
    /// Why a small first flush: a client reads a listing line by line (Python's poplib takes about 0.4 µs a
    /// line, far longer than the formatting), so what it waits for is the first byte. Flushed only after
    /// 4,096 lines, a LIST of 10,000 reached the client about 0.6 ms after the command on an idle machine
    /// (STAT: 0.15 ms), all of it at once, and the client began its 4 ms of reading only then; Dovecot sends
    /// its first 4 KB at once and the rest while the client reads.
    /// </remarks>
    public async ValueTask<FlushResult> ListingAsync(string status, IReadOnlyList<Pop3Message> messages, bool uniqueIds, CancellationToken cancellationToken)
    {
        WriteLine("+OK " + status);
        for (var next = 0; next < messages.Count;)
        {
            next = WriteListingLines(messages, next, next == 0 ? FirstFlushLines : FlushLines, uniqueIds);
            if (next < messages.Count)
            {
                var flushed = await Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return flushed;
                }
            }
        }

        WriteLine(".");
        return await Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lines of a listing in its first flush: about 3 KB of LIST (a socket's first segment), formatted in microseconds.</summary>
    internal const int FirstFlushLines = 256;

    /// <summary>Lines of a listing between later flushes (about 45 KB of LIST).</summary>
    internal const int FlushLines = 4096;

    // The longest line: 11 digits for the number, a space, 20 for a size (a unique-id kept from the uidlist is
    // measured on its own), CRLF.
    private const int LongestNumberedLine = 11 + 1 + 20 + 2;

    /// <summary>
    /// Writes up to <paramref name="lines"/> listing lines from <paramref name="start"/>; returns where to go
    /// on. Compiled optimized at once: a 10,000-line listing is a few calls' loops, which as tier-0 code cost
    /// the first LIST/UIDL of a process several times what later ones cost.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int WriteListingLines(IReadOnlyList<Pop3Message> messages, int start, int lines, bool uniqueIds)
    {
        var written = 0;
        var index = start;
        // Lines go into one span until it cannot take the longest line, then it is advanced once and the next is
        // asked for: a GetSpan and an Advance per line were a fifth of the formatting's time.
        var span = Writer.GetSpan(LongestNumberedLine);
        var length = 0;
        for (; index < messages.Count && written < lines; index++)
        {
            var message = messages[index];
            if (message.Deleted)
            {
                continue;
            }

            // A unique-id is 1..70 printable characters (RFC 1939 §7); one kept from an earlier server is measured.
            var kept = uniqueIds ? message.Message.Pop3Uidl : null;
            var longest = kept is null ? LongestNumberedLine : LongestNumberedLine + Encoding.UTF8.GetByteCount(kept);
            if (span.Length - length < longest)
            {
                Writer.Advance(length);
                span = Writer.GetSpan(longest);
                length = 0;
            }

            message.Number.TryFormat(span[length..], out var numberDigits, default, CultureInfo.InvariantCulture);
            length += numberDigits;
            span[length++] = (byte)' ';
            if (kept is not null)
            {
                length += Encoding.UTF8.GetBytes(kept, span[length..]);
            }
            else if (uniqueIds)
            {
                // Maildrop.UidlOf's %08Xu%08Xv (lower-case hex, as Dovecot writes it), without a string per line.
                message.Message.Uid.TryFormat(span[length..], out var uidDigits, "x8", CultureInfo.InvariantCulture);
                length += uidDigits;
                message.UidValidity.TryFormat(span[length..], out var validityDigits, "x8", CultureInfo.InvariantCulture);
                length += validityDigits;
            }
            else
            {
                message.Size.TryFormat(span[length..], out var digits, default, CultureInfo.InvariantCulture);
                length += digits;
            }

            span[length++] = (byte)'\r';
            span[length++] = (byte)'\n';
            written++;
        }

        Writer.Advance(length);
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
