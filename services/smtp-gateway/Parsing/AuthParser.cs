using System.Buffers;
using System.Text;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>
/// <code>
/// auth             = "AUTH" SP sasl-mech [ SP initial-response ]   ; RFC 4954 §4
/// sasl-mech        = 1*20( UPPER-ALPHA / DIGIT / "-" / "_" )       ; case-insensitive here
/// initial-response = base64 / "="
/// </code>
/// </summary>
internal static class AuthParser
{
    public static bool TryParse(ref SequenceReader<byte> reader, out string mechanism, out string? initialResponse)
    {
        mechanism = "";
        initialResponse = null;
        var s = SpanSource.Unread(ref reader);
        var end = s.IndexOf((byte)' ');
        var mech = end < 0 ? s : s[..end];
        if (mech.IsEmpty || mech.Length > 20)
        {
            return false;
        }

        foreach (var c in mech)
        {
            if (c is not (>= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_'))
            {
                return false;
            }
        }

        mechanism = Encoding.ASCII.GetString(mech).ToUpperInvariant();
        if (end >= 0)
        {
            var response = s[(end + 1)..];
            if (response.IsEmpty || response.IndexOf((byte)' ') >= 0 || !Ascii.IsValid(response))
            {
                return false;
            }

            initialResponse = Encoding.ASCII.GetString(response);
        }

        reader.Advance(s.Length);
        return true;
    }
}
