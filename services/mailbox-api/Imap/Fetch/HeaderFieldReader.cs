namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>
/// Walks the fields of a header block given as octets (RFC 5322 §2.2): each field's name and its raw
/// value (after the colon, through its last continuation line, line ends included), up to the empty
/// line. It reads only the plain form — every line either <c>name:</c> with a printable ASCII name, or
/// a continuation starting with a space or tab, no control octet but TAB — and says so through
/// <see cref="Odd"/> as soon as a line is anything else, so callers hand such a block to MimeKit and
/// never disagree with its parse.
/// </summary>
internal ref struct HeaderFieldReader(ReadOnlySpan<byte> header)
{
    private readonly ReadOnlySpan<byte> _header = header;
    private int _position;

    /// <summary>True once a line was met that is neither a plain field nor a continuation.</summary>
    public bool Odd { get; private set; }

    /// <summary>The current field's name.</summary>
    public ReadOnlySpan<byte> Name { get; private set; }

    /// <summary>The current field's raw value: after the colon, through the end of its last line (line end excluded).</summary>
    public ReadOnlySpan<byte> Value { get; private set; }

    /// <summary>Moves to the next field; false at the empty line, at the end, or when the block is <see cref="Odd"/>.</summary>
    public bool Next()
    {
        if (Odd || _position >= _header.Length)
        {
            return false;
        }

        var line = Line(_position, out var next);
        if (line.Length == 0)
        {
            _position = _header.Length; // the empty line ends the header
            return false;
        }

        var colon = line.IndexOf((byte)':');
        if (line[0] is (byte)' ' or (byte)'\t' || colon <= 0 || line[..colon].IndexOfAnyExceptInRange((byte)'!', (byte)'~') >= 0 || HasControl(line))
        {
            Odd = true; // a continuation with no field before it, not "name:" with a printable name, or control octets
            return false;
        }

        var fieldStart = _position;
        var valueStart = fieldStart + colon + 1;
        var valueEnd = fieldStart + line.Length;
        _position = next;
        while (_position < _header.Length && _header[_position] is (byte)' ' or (byte)'\t')
        {
            line = Line(_position, out next);
            if (HasControl(line))
            {
                Odd = true;
                return false;
            }

            valueEnd = _position + line.Length;
            _position = next;
        }

        Name = _header[fieldStart..(fieldStart + colon)];
        Value = _header[valueStart..valueEnd];
        return true;
    }

    /// <summary>Octets other than TAB below 0x20 (a CR not before LF, NUL…) or DEL: left to MimeKit, whatever it makes of them.</summary>
    private static bool HasControl(ReadOnlySpan<byte> line) =>
        line.IndexOfAnyInRange((byte)0x00, (byte)0x08) >= 0 || line.IndexOfAnyInRange((byte)0x0A, (byte)0x1F) >= 0 || line.Contains((byte)0x7F);

    /// <summary>The line at <paramref name="start"/> without its CRLF or LF, and where the next one starts.</summary>
    private readonly ReadOnlySpan<byte> Line(int start, out int next)
    {
        var lf = _header[start..].IndexOf((byte)'\n');
        var end = lf < 0 ? _header.Length : start + lf;
        var contentEnd = end > start && _header[end - 1] == (byte)'\r' ? end - 1 : end;
        next = lf < 0 ? _header.Length : end + 1;
        return _header[start..contentEnd];
    }
}
