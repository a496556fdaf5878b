namespace Facteur.Cli.Mbox;

/// <summary>
/// Splits an mbox into messages as streams, reading the file once with bounded memory (RFC 4155, mboxrd):
/// a message starts at a <c>From </c> line that carries a date and follows a blank line (or starts the file);
/// that blank line is the separator and not part of the message; <c>&gt;From </c> lines lose one '&gt;'
/// (unless the reader is told to keep them: an mbox an IMAP server served as it is, see <see cref="MboxImport.UnquoteFromLines"/>).
/// Lines are passed through byte for byte, so LF and CRLF bodies and 8-bit text come out as they went in.
/// A last message without a final newline ends where the file ends.
/// </summary>
internal sealed class MboxReader
{
    private readonly LineSegmentReader _lines;
    private readonly bool _unquote;
    private MboxFromLine? _nextFrom;
    private bool _started;
    private MessageStream? _current;

    /// <param name="unquoteFromLines">Take one '&gt;' off <c>&gt;From </c> lines (mboxrd); false: lines as they are.</param>
    public MboxReader(Stream mbox, bool unquoteFromLines = true)
    {
        _lines = new LineSegmentReader(mbox);
        _unquote = unquoteFromLines;
    }

    /// <summary>Lines before the first From_ line (not an mbox, or junk at its start); they are skipped.</summary>
    public long SkippedLeadingBytes { get; private set; }

    /// <summary>
    /// Moves to the next message: its From_ line, and a stream of its content (read it before moving on;
    /// what is left unread is skipped). Null at the end of the mbox.
    /// </summary>
    public (MboxFromLine From, Stream Content)? Next()
    {
        if (!_started)
        {
            _started = true;
            while (_lines.Next() is { } segment)
            {
                if (segment.StartsLine && segment.EndsLine && MboxFromLine.TryParse(segment.Bytes.Span) is { } first)
                {
                    _nextFrom = first;
                    break;
                }

                SkippedLeadingBytes += segment.Bytes.Length;
            }
        }
        else if (_current is not null)
        {
            _current.SkipRest();
        }

        if (_nextFrom is null)
        {
            return null;
        }

        var from = _nextFrom;
        _nextFrom = null;
        _current = new MessageStream(this);
        return (from, _current);
    }

    private static bool IsQuotedFrom(ReadOnlySpan<byte> line)
    {
        var i = 0;
        while (i < line.Length && line[i] == (byte)'>')
        {
            i++;
        }

        return i > 0 && line[i..].StartsWith("From "u8);
    }

    /// <summary>One message's content; ends at the next separator or at the end of the file.</summary>
    private sealed class MessageStream(MboxReader owner) : Stream
    {
        private static readonly byte[] Lf = "\n"u8.ToArray();
        private static readonly byte[] CrLf = "\r\n"u8.ToArray();

        private byte[]? _heldBlank;
        private ReadOnlyMemory<byte> _pendingBlank;
        private ReadOnlyMemory<byte> _pending;
        private bool _ended;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.Length == 0)
            {
                return 0;
            }

            while (_pendingBlank.IsEmpty && _pending.IsEmpty)
            {
                if (_ended || !Advance())
                {
                    return 0;
                }
            }

            var source = _pendingBlank.IsEmpty ? _pending : _pendingBlank;
            var n = Math.Min(source.Length, buffer.Length);
            source.Span[..n].CopyTo(buffer);
            if (_pendingBlank.IsEmpty)
            {
                _pending = _pending[n..];
            }
            else
            {
                _pendingBlank = _pendingBlank[n..];
            }

            _position += n;
            return n;
        }

        public void SkipRest()
        {
            var scratch = new byte[64 * 1024];
            while (Read(scratch) > 0)
            {
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        /// <summary>Takes the next line segment into the pending output; false at the end of the message.</summary>
        private bool Advance()
        {
            if (owner._lines.Next() is not { } segment)
            {
                // End of file: a blank line held back is the separator the writer put after the last message.
                _ended = true;
                return false;
            }

            var span = segment.Bytes.Span;
            if (segment.StartsLine && segment.EndsLine && _heldBlank is not null && MboxFromLine.TryParse(span) is { } from)
            {
                owner._nextFrom = from;
                _ended = true;
                return false;
            }

            if (_heldBlank is not null)
            {
                _pendingBlank = _heldBlank;
                _heldBlank = null;
            }

            if (segment.IsBlankLine)
            {
                // Held back until the next line says whether it separates two messages.
                _heldBlank = span.Length == 1 ? Lf : CrLf;
                return true;
            }

            _pending = owner._unquote && segment.StartsLine && IsQuotedFrom(span) ? segment.Bytes[1..] : segment.Bytes;
            return true;
        }
    }
}
