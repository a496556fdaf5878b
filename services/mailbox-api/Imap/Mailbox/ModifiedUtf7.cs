using System.Text;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>
/// Modified UTF-7 (RFC 3501 §5.1.3), the form of IMAP mailbox names on the wire and — as Dovecot
/// keeps them by default — of Maildir++ folder directory names on disk.
/// </summary>
internal static class ModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    public static string Encode(string text)
    {
        var sb = new StringBuilder();
        var pending = new List<char>();
        foreach (var c in text)
        {
            if (c is >= (char)0x20 and <= (char)0x7e)
            {
                Flush(sb, pending);
                sb.Append(c == '&' ? "&-" : c);
            }
            else
            {
                pending.Add(c);
            }
        }

        Flush(sb, pending);
        return sb.ToString();
    }

    /// <summary>Decodes, or returns null when the text is not valid modified UTF-7.</summary>
    public static string? Decode(string text)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c > 0x7e || c < 0x20)
            {
                return null;
            }

            if (c != '&')
            {
                sb.Append(c);
                continue;
            }

            var end = text.IndexOf('-', i + 1);
            if (end < 0)
            {
                return null;
            }

            if (end == i + 1)
            {
                sb.Append('&');
                i = end;
                continue;
            }

            var bits = 0;
            var buffer = 0;
            var bytes = new List<byte>();
            for (var j = i + 1; j < end; j++)
            {
                var value = Alphabet.IndexOf(text[j], StringComparison.Ordinal);
                if (value < 0)
                {
                    return null;
                }

                buffer = (buffer << 6) | value;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)(buffer >> bits));
                    buffer &= (1 << bits) - 1;
                }
            }

            if (bytes.Count % 2 != 0)
            {
                return null;
            }

            sb.Append(Encoding.BigEndianUnicode.GetString([.. bytes]));
            i = end;
        }

        return sb.ToString();
    }

    private static void Flush(StringBuilder sb, List<char> pending)
    {
        if (pending.Count == 0)
        {
            return;
        }

        var bytes = Encoding.BigEndianUnicode.GetBytes(pending.ToArray());
        sb.Append('&');
        var buffer = 0;
        var bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 6)
            {
                bits -= 6;
                sb.Append(Alphabet[(buffer >> bits) & 0x3f]);
            }
        }

        if (bits > 0)
        {
            sb.Append(Alphabet[(buffer << (6 - bits)) & 0x3f]);
        }

        sb.Append('-');
        pending.Clear();
    }
}
