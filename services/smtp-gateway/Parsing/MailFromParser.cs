using System.Buffers;
using System.Text;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>Arguments of MAIL.</summary>
/// <param name="ReversePath">Null for the null sender &lt;&gt;.</param>
internal sealed record MailFromArguments(SmtpAddress? ReversePath, IReadOnlyList<EsmtpParameter> Parameters);

/// <summary>
/// <code>
/// mail = "MAIL FROM:" Reverse-path [ SP Mail-parameters ]   ; RFC 5321 §4.1.1.2
/// </code>
/// Spaces after the colon are tolerated (a common client habit that RFC 5321 does not allow, but
/// which Postfix and Exim accept; the path itself is still strict).
/// </summary>
internal static class MailFromParser
{
    public static bool TryParse(ref SequenceReader<byte> reader, out MailFromArguments? arguments, out SyntaxError error)
    {
        arguments = null;
        if (!PrefixParser.TryConsume(ref reader, "FROM:"u8))
        {
            error = SyntaxError.Command;
            return false;
        }

        if (!PathParser.TryParseReversePath(ref reader, out var path, out error))
        {
            return false;
        }

        if (!ParametersFollow(ref reader) || !EsmtpParameterParser.TryParse(ref reader, out var parameters))
        {
            error = SyntaxError.Parameter;
            return false;
        }

        arguments = new MailFromArguments(path, parameters);
        return true;
    }

    /// <summary>After the path: nothing, or SP then parameters.</summary>
    internal static bool ParametersFollow(ref SequenceReader<byte> reader)
        => reader.End || (reader.TryPeek(out var b) && b == (byte)' ');
}
