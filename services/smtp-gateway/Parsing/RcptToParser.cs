using System.Buffers;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>Arguments of RCPT.</summary>
/// <param name="IsPostmaster">The bare &lt;Postmaster&gt; (RFC 5321 §4.1.1.3); <paramref name="Address"/> is then default.</param>
internal sealed record RcptToArguments(SmtpAddress Address, bool IsPostmaster, IReadOnlyList<EsmtpParameter> Parameters);

/// <summary>
/// <code>
/// rcpt = "RCPT TO:" ( "&lt;Postmaster@" Domain "&gt;" / "&lt;Postmaster&gt;" / Forward-path ) [ SP Rcpt-parameters ]
/// </code>
/// </summary>
internal static class RcptToParser
{
    public static bool TryParse(ref SequenceReader<byte> reader, out RcptToArguments? arguments, out SyntaxError error)
    {
        arguments = null;
        if (!PrefixParser.TryConsume(ref reader, "TO:"u8))
        {
            error = SyntaxError.Command;
            return false;
        }

        if (!PathParser.TryParseForwardPath(ref reader, out var address, out var isPostmaster, out error))
        {
            return false;
        }

        if (!MailFromParser.ParametersFollow(ref reader) || !EsmtpParameterParser.TryParse(ref reader, out var parameters))
        {
            error = SyntaxError.Parameter;
            return false;
        }

        arguments = new RcptToArguments(address, isPostmaster, parameters);
        return true;
    }
}
