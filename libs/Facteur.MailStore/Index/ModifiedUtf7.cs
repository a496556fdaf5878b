using System.Text;

namespace Facteur.MailStore.Index;

/// <summary>
/// IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII stands for itself
/// except '&amp;' (written "&amp;-"); other characters are UTF-16 in modified base64 ('/' → ','),
/// between '&amp;' and '-'. Dovecot's Maildir++ layout stores folder directory names this way.
/// </summary>
public static class ModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var result = new StringBuilder(value.Length + 8);
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c is >= (char)0x20 and <= (char)0x7e)
            {
                result.Append(c == '&' ? "&-" : c.ToString());
                i++;
                continue;
            }

            var start = i;
            while (i < value.Length && value[i] is < (char)0x20 or > (char)0x7e)
            {
                i++;
            }

            var bytes = Encoding.BigEndianUnicode.GetBytes(value, start, i - start);
            result.Append('&');
            int bits = 0, buffer = 0;
            foreach (var b in bytes)
            {
                buffer = (buffer << 8) | b;
                bits += 8;
                while (bits >= 6)
                {
                    bits -= 6;
                    result.Append(Alphabet[(buffer >> bits) & 0x3f]);
                }
            }

            if (bits > 0)
            {
                result.Append(Alphabet[(buffer << (6 - bits)) & 0x3f]);
            }

            result.Append('-');
        }

        return result.ToString();
    }

    /// <summary>Decodes; returns null when <paramref name="value"/> is not valid modified UTF-7.</summary>
    public static string? Decode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var result = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c != '&')
            {
                if (c is < (char)0x20 or > (char)0x7e)
                {
                    return null;
                }

                result.Append(c);
                i++;
                continue;
            }

            var end = value.IndexOf('-', i + 1);
            if (end < 0)
            {
                return null;
            }

            if (end == i + 1)
            {
                result.Append('&');
                i = end + 1;
                continue;
            }

            var bytes = new List<byte>();
            int bits = 0, buffer = 0;
            for (var j = i + 1; j < end; j++)
            {
                var index = Alphabet.IndexOf(value[j], StringComparison.Ordinal);
                if (index < 0)
                {
                    return null;
                }

                buffer = (buffer << 6) | index;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)((buffer >> bits) & 0xff));
                }
            }

            if (bytes.Count % 2 != 0)
            {
                return null;
            }

            result.Append(Encoding.BigEndianUnicode.GetString(bytes.ToArray()));
            i = end + 1;
        }

        return result.ToString();
    }
}
