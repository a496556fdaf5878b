using System.Buffers;
using System.Text;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>Case-insensitive "FROM:" / "TO:" followed by optional spaces.</summary>
internal static class PrefixParser
{
    public static bool TryConsume(ref SequenceReader<byte> reader, ReadOnlySpan<byte> prefix)
    {
        var s = SpanSource.Unread(ref reader);
        if (s.Length < prefix.Length || !Ascii.EqualsIgnoreCase(s[..prefix.Length], prefix))
        {
            return false;
        }

        reader.Advance(prefix.Length);
        while (reader.TryPeek(out var b) && b == (byte)' ')
        {
            reader.Advance(1);
        }

        return true;
    }
}
