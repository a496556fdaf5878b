namespace Facteur.SmtpGateway.Parsing;

internal enum SaslResponseKind
{
    Data,
    Cancelled,
    Invalid,
}

/// <summary>
/// A client's SASL response line or initial response (RFC 4954 §4): base64, "=" for an empty
/// response, "*" to cancel the exchange.
/// </summary>
internal static class SaslResponseParser
{
    public static SaslResponseKind Decode(string line, out byte[] data)
    {
        data = [];
        if (line == "*")
        {
            return SaslResponseKind.Cancelled;
        }

        if (line == "=")
        {
            return SaslResponseKind.Data;
        }

        if (line.Length == 0 || line.Length % 4 != 0)
        {
            return SaslResponseKind.Invalid;
        }

        var buffer = new byte[line.Length / 4 * 3];
        if (!Convert.TryFromBase64String(line, buffer, out var written))
        {
            return SaslResponseKind.Invalid;
        }

        data = buffer[..written];
        return SaslResponseKind.Data;
    }
}
