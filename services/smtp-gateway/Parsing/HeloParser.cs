using System.Buffers;
using System.Text;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>
/// <code>
/// ehlo = "EHLO" SP ( Domain / address-literal )    ; RFC 5321 §4.1.1.1
/// helo = "HELO" SP Domain
/// </code>
/// Lenient on purpose, as Postfix is by default: many real clients announce a bare host name with
/// underscores or an unbracketed IP. What we keep is restricted to letters, digits and
/// <c>. - _ : [ ]</c>, so it can go into a Received header as is; anything else is refused.
/// Words after the first are ignored.
/// </summary>
internal static class HeloParser
{
    public const int MaxLength = 255;

    public static bool TryParse(ref SequenceReader<byte> reader, out string name)
    {
        name = "";
        var s = SpanSource.Unread(ref reader);
        var end = s.IndexOf((byte)' ');
        var word = end < 0 ? s : s[..end];
        if (word.IsEmpty || word.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in word)
        {
            var ok = c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'.' or (byte)'-' or (byte)'_' or (byte)':' or (byte)'[' or (byte)']';
            if (!ok)
            {
                return false;
            }
        }

        name = Encoding.ASCII.GetString(word);
        reader.Advance(s.Length);
        return true;
    }
}
