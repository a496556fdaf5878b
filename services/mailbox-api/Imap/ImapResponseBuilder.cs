using System.Buffers;
using System.Globalization;
using System.Text;

namespace Facteur.MailboxApi.Imap;

/// <summary>Builds one response in octets: atoms, strings as quoted or literal (RFC 3501 §4.3), raw literals.</summary>
internal sealed class ImapResponseBuilder
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    /// <summary>Starts the next response in the same buffer (FETCH of many messages allocates it once).</summary>
    public void Clear() => _buffer.ResetWrittenCount();

    public ImapResponseBuilder Raw(string text)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, _buffer.GetSpan(count));
        _buffer.Advance(count);
        return this;
    }

    public ImapResponseBuilder Raw(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    public ImapResponseBuilder Number(long value)
    {
        // Formatted in place: every FETCH response carries a few numbers.
        var span = _buffer.GetSpan(20);
        value.TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
        _buffer.Advance(written);
        return this;
    }

    /// <summary>A string: quoted when it is short 7-bit text without CR/LF, a literal otherwise; NIL for null.</summary>
    public ImapResponseBuilder NString(string? value)
    {
        if (value is null)
        {
            return Raw("NIL");
        }

        if (value.Length < 1024 && value.All(c => c is >= ' ' and <= '~'))
        {
            Raw("\"");
            Raw(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));
            return Raw("\"");
        }

        return Literal(Encoding.UTF8.GetBytes(value));
    }

    public ImapResponseBuilder Literal(ReadOnlySpan<byte> bytes)
    {
        Raw("{").Number(bytes.Length).Raw("}\r\n");
        return Raw(bytes);
    }

    public static string Quote(string value) =>
        value.All(c => c is >= ' ' and <= '~')
            ? "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : "{" + Encoding.UTF8.GetByteCount(value).ToString(CultureInfo.InvariantCulture) + "}\r\n" + value;
}
