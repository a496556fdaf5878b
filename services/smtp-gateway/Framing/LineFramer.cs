using System.Buffers;

namespace Facteur.SmtpGateway.Framing;

internal enum LineStatus
{
    /// <summary>No complete line yet: read more and call again.</summary>
    NeedMoreData,

    /// <summary>A complete line, without its terminator.</summary>
    Line,

    /// <summary>A line longer than the limit ended; its octets were dropped as they came.</summary>
    TooLong,

    /// <summary>The client closed its side before a complete line (set by the session, not the framer).</summary>
    EndOfInput,
}

/// <summary>
/// Cuts command lines out of the input. A line ends at LF (a preceding CR is removed); bare-LF
/// command lines are accepted as Postfix does — commands are not message content, so this opens
/// no smuggling path. A line over the limit is discarded as it arrives — across as many reads as
/// it takes, never buffered — and reported once its LF shows up, so a 1 MB line costs no memory.
/// </summary>
internal sealed class LineFramer
{
    private bool discarding;

    /// <param name="buffer">What the reader holds.</param>
    /// <param name="maxLength">Limit including CRLF.</param>
    /// <param name="line">The line without terminator (when <see cref="LineStatus.Line"/>).</param>
    /// <param name="consumed">Where to advance the reader to.</param>
    public LineStatus TryReadLine(in ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line, out SequencePosition consumed)
    {
        line = default;
        var lf = buffer.PositionOf((byte)'\n');
        if (discarding)
        {
            if (lf is null)
            {
                consumed = buffer.End;
                return LineStatus.NeedMoreData;
            }

            discarding = false;
            consumed = buffer.GetPosition(1, lf.Value);
            return LineStatus.TooLong;
        }

        if (lf is null)
        {
            if (buffer.Length >= maxLength)
            {
                // Already too long and no end in sight: drop what we have and remember.
                discarding = true;
                consumed = buffer.End;
            }
            else
            {
                consumed = buffer.Start;
            }

            return LineStatus.NeedMoreData;
        }

        var withLf = buffer.Slice(0, buffer.GetPosition(1, lf.Value));
        consumed = withLf.End;
        if (withLf.Length > maxLength)
        {
            return LineStatus.TooLong;
        }

        line = withLf.Slice(0, withLf.Length - 1);
        if (line.Length > 0 && EndsWithCr(line))
        {
            line = line.Slice(0, line.Length - 1);
        }

        return LineStatus.Line;
    }

    /// <summary>Forget a partial over-long line (after STARTTLS the old input is gone).</summary>
    public void Reset() => discarding = false;

    private static bool EndsWithCr(in ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }
}
