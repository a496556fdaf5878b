using System.Buffers;
using System.Text;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>
/// RFC 5321 §4.1.2 parameters after a path:
/// <code>
/// Mail-parameters = esmtp-param *( SP esmtp-param )
/// esmtp-param     = esmtp-keyword [ "=" esmtp-value ]
/// esmtp-keyword   = ( ALPHA / DIGIT ) *( ALPHA / DIGIT / "-" )
/// esmtp-value     = 1*( %d33-60 / %d62-126 / UTF8-non-ascii )   ; RFC 6531 §3.3
/// </code>
/// Extra spaces between parameters are tolerated (several clients send them).
/// </summary>
internal static class EsmtpParameterParser
{
    public static bool TryParse(ref SequenceReader<byte> reader, out List<EsmtpParameter> parameters)
    {
        parameters = [];
        var s = SpanSource.Unread(ref reader);
        var i = 0;
        while (true)
        {
            while (i < s.Length && s[i] == (byte)' ')
            {
                i++;
            }

            if (i == s.Length)
            {
                reader.Advance(i);
                return true;
            }

            var keyStart = i;
            while (i < s.Length && (IsAlnum(s[i]) || (s[i] == (byte)'-' && i > keyStart)))
            {
                i++;
            }

            if (i == keyStart)
            {
                return false;
            }

            var keyword = Encoding.ASCII.GetString(s[keyStart..i]).ToUpperInvariant();
            string? value = null;
            if (i < s.Length && s[i] == (byte)'=')
            {
                i++;
                var valueStart = i;
                while (i < s.Length && s[i] is >= 33 and not (byte)'=' and not 127)
                {
                    i++;
                }

                if (i == valueStart || !System.Text.Unicode.Utf8.IsValid(s[valueStart..i]))
                {
                    return false;
                }

                value = Encoding.UTF8.GetString(s[valueStart..i]);
            }

            if (i < s.Length && s[i] != (byte)' ')
            {
                return false;
            }

            parameters.Add(new EsmtpParameter(keyword, value));
        }
    }

    private static bool IsAlnum(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9';
}
