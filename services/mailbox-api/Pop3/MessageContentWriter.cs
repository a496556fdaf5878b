using System.Buffers;
using System.IO.Pipelines;
using Facteur.MailStore.Index;
using Microsoft.Win32.SafeHandles;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// Streams a message file to the client as RFC 1939 §3 requires: every line ends in CRLF (bare
/// LF on disk becomes CRLF), a line starting with '.' gets another '.', and the content ends on
/// a line boundary so the terminating "." stands alone. Reads 64 KB at a time into a pooled buffer
/// and copies whole line runs (found with a vectorised search for LF) straight into the pipe; the
/// message is never whole in memory. For TOP, <c>bodyLines</c> limits how many body lines follow
/// the header. Returns the octets of content sent, stuffing excluded (what LIST counts).
/// </summary>
internal static class MessageContentWriter
{
    private const int ChunkSize = 64 * 1024;

    public static async ValueTask<long> WriteAsync(SafeFileHandle file, PipeWriter output, int? bodyLines, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var state = new State { AtLineStart = true, InHeader = bodyLines is not null, BodyLinesLeft = bodyLines ?? int.MaxValue };
            long sent = 0;
            long offset = 0;
            int read;
            // Synchronous reads: Linux has no asynchronous regular-file I/O here (an async read is a
            // thread-pool hop around the same read(2)), and one chunk comes from the page cache in microseconds.
            // ReadAt is RandomAccess.Read without its lseek(2) before the first read.
            while (!state.Done && (read = MessageFileReader.ReadAt(file, buffer.AsSpan(0, ChunkSize), offset)) > 0)
            {
                offset += read;
                // Worst case every byte is a bare LF that gains a CR, or a '.' that gains a '.'.
                var span = output.GetSpan(read * 2);
                var written = Transform(buffer.AsSpan(0, read), span, ref state, ref sent);
                output.Advance(written);
                if (read < ChunkSize)
                {
                    // A short read of a regular file is its end (Maildir files never grow once in new/ or
                    // cur/): no read(2) just to see 0, and no flush — the caller's "." goes out in the same
                    // send, so a typical message is one segment instead of two.
                    break;
                }

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
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies <paramref name="input"/> line run by line run; returns the bytes written to <paramref name="output"/>.</summary>
    internal static int Transform(ReadOnlySpan<byte> input, Span<byte> output, ref State state, ref long sent)
    {
        var o = 0;
        while (input.Length > 0 && !state.Done)
        {
            if (state.AtLineStart && input[0] == (byte)'.')
            {
                output[o++] = (byte)'.'; // byte-stuffing, not counted: LIST gives the size before stuffing
            }

            var newline = input.IndexOf((byte)'\n');
            var run = newline < 0 ? input : input[..newline];
            if (run.Length > 0)
            {
                run.CopyTo(output[o..]);
                o += run.Length;
                sent += run.Length;
                state.AtLineStart = false;
                state.Previous = run[^1];
                // Only TOP cares where the header ends (the first line with nothing but CRs, RFC 5322 §2.1).
                state.LineHasContent = state.LineHasContent || (state.InHeader && run.IndexOfAnyExcept((byte)'\r') >= 0);
            }

            if (newline < 0)
            {
                break;
            }

            if (state.Previous != (byte)'\r')
            {
                output[o++] = (byte)'\r';
                sent++;
            }

            output[o++] = (byte)'\n';
            sent++;
            state.Previous = (byte)'\n';
            EndOfLine(ref state);
            input = input[(newline + 1)..];
        }

        return o;
    }

    private static void EndOfLine(ref State state)
    {
        if (state.InHeader)
        {
            if (!state.LineHasContent)
            {
                state.InHeader = false; // the empty line that ends the header
                state.Done = state.BodyLinesLeft == 0;
            }
        }
        else if (state.BodyLinesLeft != int.MaxValue)
        {
            state.BodyLinesLeft--;
            state.Done = state.BodyLinesLeft <= 0;
        }

        state.AtLineStart = true;
        state.LineHasContent = false;
    }

    internal struct State
    {
        public bool AtLineStart;
        public bool InHeader;
        public bool LineHasContent;
        public bool Done;
        public int BodyLinesLeft;
        public byte Previous;
    }
}
