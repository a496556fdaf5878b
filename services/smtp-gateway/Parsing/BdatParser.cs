using System.Buffers;
using System.Text;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>
/// <code>
/// bdat-cmd   = "BDAT" SP chunk-size [ SP end-marker ]   ; RFC 3030 §2
/// chunk-size = 1*DIGIT
/// end-marker = "LAST"                                  ; case-insensitive
/// </code>
/// Sizes above 18 digits are refused (they could not be a message we accept anyway).
/// </summary>
internal static class BdatParser
{
    public static bool TryParse(ref SequenceReader<byte> reader, out long size, out bool last)
    {
        size = 0;
        last = false;
        var s = SpanSource.Unread(ref reader);
        var i = 0;
        while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9')
        {
            if (i == 18)
            {
                return false;
            }

            size = (size * 10) + (s[i] - '0');
            i++;
        }

        if (i == 0)
        {
            return false;
        }

        if (i < s.Length)
        {
            if (s[i..].Length != 5 || s[i] != (byte)' ' || !Ascii.EqualsIgnoreCase(s[(i + 1)..], "LAST"u8))
            {
                return false;
            }

            last = true;
            i = s.Length;
        }

        reader.Advance(i);
        return true;
    }
}
