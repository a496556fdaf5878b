namespace Facteur.Cli.Mbox;

/// <summary>
/// Writes messages in mboxrd form (RFC 4155; the quoting mutt and Dovecot's exporter use): the From_ line,
/// the message with <c>Status:</c>/<c>X-Status:</c>/<c>X-Keywords:</c> added at the end of its header, every
/// line that matches <c>^&gt;*From </c> given one more '&gt;', a final line ending if it had none, and a blank
/// line. Streams the body; only the header (bounded) is held to place the flag lines.
/// </summary>
internal sealed class MboxWriter(Stream output)
{
    private const int MaxHeaderBytes = 256 * 1024;

    public long BytesWritten { get; private set; }

    /// <summary>Writes one message; the From_ line's sender is its Return-Path (MAILER-DAEMON when none), its date <paramref name="internalDate"/>.</summary>
    public void Write(DateTimeOffset internalDate, MboxFlags flags, Stream content)
    {
        var header = ReadHeader(content, out var headerComplete, out var newline);
        Put(new MboxFromLine(ReturnPath(header), internalDate).Format());
        var quoter = new Quoter(this);
        if (headerComplete)
        {
            // header ends with its blank line: the flags go right before it.
            var blankLength = header.Length >= 2 && header[^2] == (byte)'\r' ? 2 : 1;
            quoter.Write(header.AsSpan(0, header.Length - blankLength));
            quoter.Write(flags.FormatHeaders(newline));
            quoter.Write(header.AsSpan(header.Length - blankLength));
        }
        else
        {
            // No end of header within reach (a malformed or header-only message): put the flags first.
            quoter.Write(flags.FormatHeaders(newline));
            quoter.Write(header);
        }

        var buffer = new byte[64 * 1024];
        int read;
        while ((read = content.Read(buffer)) > 0)
        {
            quoter.Write(buffer.AsSpan(0, read));
        }

        quoter.Finish();
        if (!quoter.AtLineStart)
        {
            Put(System.Text.Encoding.ASCII.GetBytes(newline));
        }

        Put(System.Text.Encoding.ASCII.GetBytes(newline));
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        BytesWritten += bytes.Length;
    }

    private static string ReturnPath(byte[] header)
    {
        foreach (var line in System.Text.Encoding.Latin1.GetString(header).Split('\n'))
        {
            if (line.StartsWith("Return-Path:", StringComparison.OrdinalIgnoreCase))
            {
                var value = line["Return-Path:".Length..].Trim().Trim('<', '>').Trim();
                return value.Length == 0 ? "MAILER-DAEMON" : value;
            }
        }

        return "MAILER-DAEMON";
    }

    /// <summary>Reads up to and including the blank line that ends the header (or as far as the limit allows).</summary>
    private static byte[] ReadHeader(Stream content, out bool complete, out string newline)
    {
        using var header = new MemoryStream();
        var previous = -1;
        var beforePrevious = -1;
        newline = "\n";
        var sawFirstLine = false;
        complete = false;
        int b;
        while (header.Length < MaxHeaderBytes && (b = content.ReadByte()) >= 0)
        {
            header.WriteByte((byte)b);
            if (b == '\n')
            {
                if (!sawFirstLine)
                {
                    sawFirstLine = true;
                    newline = previous == '\r' ? "\r\n" : "\n";
                }

                // "\n\n" or "\n\r\n", or a message that starts with its blank line (no header at all).
                if (previous == '\n' || (previous == '\r' && beforePrevious == '\n') || header.Length <= 2 && (previous is -1 or '\r'))
                {
                    complete = true;
                    break;
                }
            }

            beforePrevious = previous;
            previous = b;
        }

        return header.ToArray();
    }

    /// <summary>Adds the mboxrd '&gt;' to <c>^&gt;*From </c> lines across buffer boundaries.</summary>
    private sealed class Quoter(MboxWriter writer)
    {
        // The first bytes of the current line while it is not yet known whether it needs a '>'.
        private readonly List<byte> _lineStart = new(8);
        private bool _deciding = true;
        private int _last = -1;

        /// <summary>True when nothing was written or the last byte was a line feed.</summary>
        public bool AtLineStart => _last is -1 or '\n';

        public void Write(ReadOnlySpan<byte> bytes)
        {
            var i = 0;
            while (i < bytes.Length)
            {
                if (_deciding)
                {
                    _lineStart.Add(bytes[i]);
                    i++;
                    if (Decide() is not { } quote)
                    {
                        continue;
                    }

                    if (quote)
                    {
                        writer.Put(">"u8);
                    }

                    FlushLineStart();
                    continue;
                }

                var newline = bytes[i..].IndexOf((byte)'\n');
                var end = newline < 0 ? bytes.Length : i + newline + 1;
                writer.Put(bytes[i..end]);
                _last = bytes[end - 1];
                _deciding = _last == '\n';
                i = end;
            }
        }

        /// <summary>Writes what is still held at the very end of the message.</summary>
        public void Finish()
        {
            if (_lineStart.Count > 0)
            {
                FlushLineStart();
            }
        }

        private void FlushLineStart()
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_lineStart);
            writer.Put(span);
            _last = span[^1];
            _lineStart.Clear();
            _deciding = _last == '\n';
        }

        /// <summary>true: quote; false: write as is; null: need more bytes.</summary>
        private bool? Decide()
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_lineStart);
            if (span[^1] == (byte)'\n')
            {
                return false;
            }

            var gt = 0;
            while (gt < span.Length && span[gt] == (byte)'>')
            {
                gt++;
            }

            var rest = span[gt..];
            var from = "From "u8;
            if (rest.Length >= from.Length)
            {
                return rest.StartsWith(from);
            }

            return from.StartsWith(rest) ? null : false;
        }
    }
}
