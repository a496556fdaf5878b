namespace Facteur.Cli.Mbox;

/// <summary>
/// Reads a stream as lines, without ever holding more than one buffer: a line longer than the buffer comes
/// out in several segments, of which only the first <see cref="Segment.StartsLine"/>. mbox only ever looks at
/// the start of a line (<c>From </c>, <c>&gt;From </c>, a blank line), so a 50 MB one-line body costs 64 KiB.
/// </summary>
internal sealed class LineSegmentReader(Stream source, int bufferSize = 64 * 1024)
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _atLineStart = true;

    /// <summary>One piece of a line. <see cref="Bytes"/> stays valid until the next <see cref="Next"/>.</summary>
    internal readonly record struct Segment(ReadOnlyMemory<byte> Bytes, bool StartsLine, bool EndsLine)
    {
        /// <summary>A whole line that is only its line ending ("\n" or "\r\n").</summary>
        public bool IsBlankLine => StartsLine && EndsLine && (Bytes.Length == 1 || (Bytes.Length == 2 && Bytes.Span[0] == (byte)'\r'));
    }

    /// <summary>The next segment, or null at the end of the stream.</summary>
    public Segment? Next()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                return Take(newline + 1 - _start, endsLine: true);
            }

            if (_eof)
            {
                return _end > _start ? Take(_end - _start, endsLine: false) : null;
            }

            if (_end - _start == _buffer.Length)
            {
                return Take(_buffer.Length, endsLine: false); // a line longer than the buffer
            }

            Fill();
        }
    }

    private Segment Take(int length, bool endsLine)
    {
        var segment = new Segment(_buffer.AsMemory(_start, length), _atLineStart, endsLine);
        _start += length;
        _atLineStart = endsLine;
        return segment;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = source.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }
        else
        {
            _end += read;
        }
    }
}
