using System.IO.Pipelines;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// Streams a message file to the client as RFC 1939 §3 requires: every line ends in CRLF (bare
/// LF on disk becomes CRLF), a line starting with '.' gets another '.', and the content ends on
/// a line boundary so the terminating "." stands alone. Reads 64 KB at a time; the message is
/// never whole in memory. For TOP, <c>bodyLines</c> limits how many body lines follow the header.
/// Returns the octets of content sent, stuffing excluded (what LIST counts).
/// </summary>
internal static class MessageContentWriter
{
    private const int ChunkSize = 64 * 1024;

    public static async ValueTask<long> WriteAsync(Stream source, PipeWriter output, int? bodyLines, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkSize];
        var state = new State { AtLineStart = true, InHeader = true, BodyLinesLeft = bodyLines ?? int.MaxValue };
        long sent = 0;
        int read;
        while (!state.Done && (read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            // Worst case every byte is a bare LF that gains a CR, or a '.' that gains a '.'.
            var span = output.GetSpan(read * 2);
            var written = Transform(buffer.AsSpan(0, read), span, ref state, ref sent);
            output.Advance(written);
            var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                throw new OperationCanceledException("The client went away during the transfer.");
            }
        }

        if (!state.AtLineStart)
        {
            // The file does not end with a newline: end the line so "." terminates cleanly.
            var span = output.GetSpan(2);
            span[0] = (byte)'\r';
            span[1] = (byte)'\n';
            output.Advance(2);
        }

        return sent;
    }

    private static int Transform(ReadOnlySpan<byte> input, Span<byte> output, ref State state, ref long sent)
    {
        var o = 0;
        foreach (var b in input)
        {
            if (state.Done)
            {
                break;
            }

            if (state.AtLineStart && b == (byte)'.')
            {
                output[o++] = (byte)'.';
            }

            if (b == (byte)'\n')
            {
                if (state.Previous != (byte)'\r')
                {
                    output[o++] = (byte)'\r';
                    sent++;
                }

                output[o++] = b;
                sent++;
                EndOfLine(ref state);
            }
            else
            {
                output[o++] = b;
                sent++;
                state.AtLineStart = false;
                state.LineHasContent |= b != (byte)'\r';
            }

            state.Previous = b;
        }

        return o;
    }

    private static void EndOfLine(ref State state)
    {
        if (state.InHeader)
        {
            if (!state.LineHasContent)
            {
                state.InHeader = false; // the empty line that ends the header (RFC 5322 §2.1)
                state.Done = state.BodyLinesLeft == 0;
            }
        }
        else
        {
            state.BodyLinesLeft--;
            state.Done = state.BodyLinesLeft <= 0;
        }

        state.AtLineStart = true;
        state.LineHasContent = false;
    }

    private struct State
    {
        public bool AtLineStart;
        public bool InHeader;
        public bool LineHasContent;
        public bool Done;
        public int BodyLinesLeft;
        public byte Previous;
    }
}
