using System.Globalization;
using System.Text;

namespace Facteur.SmtpGateway.Inbound;

/// <summary>RFC 3461 parameter checks and xtext decoding (§4: RET, ENVID on MAIL; NOTIFY, ORCPT on RCPT).</summary>
internal static class DsnParameters
{
    /// <summary>RET=FULL|HDRS (§4.3), upper-cased; null when invalid.</summary>
    public static string? Ret(string? value) =>
        value?.ToUpperInvariant() is "FULL" or "HDRS" ? value.ToUpperInvariant() : null;

    /// <summary>ENVID (§4.4): xtext, at most 100 characters once decoded; null when invalid.</summary>
    public static string? EnvelopeId(string? value) =>
        value is not null && DecodeXtext(value) is { Length: > 0 and <= 100 } decoded ? decoded : null;

    /// <summary>NOTIFY (§4.1): NEVER alone, or a comma list of SUCCESS, FAILURE, DELAY; null when invalid.</summary>
    public static string? Notify(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var words = value.ToUpperInvariant().Split(',');
        if (words is ["NEVER"])
        {
            return "NEVER";
        }

        return words.Length > 0 && words.All(w => w is "SUCCESS" or "FAILURE" or "DELAY") && words.Distinct().Count() == words.Length
            ? string.Join(',', words)
            : null;
    }

    /// <summary>ORCPT (§4.2): addr-type ";" xtext, kept as "type;decoded"; null when invalid.</summary>
    public static string? OriginalRecipient(string? value)
    {
        var semicolon = value?.IndexOf(';', StringComparison.Ordinal) ?? -1;
        if (value is null || semicolon <= 0 || DecodeXtext(value[(semicolon + 1)..]) is not { Length: > 0 } address)
        {
            return null;
        }

        return value[..semicolon].ToLowerInvariant() + ";" + address;
    }

    /// <summary>xtext (§4): "+" followed by two upper-case hex digits stands for one octet.</summary>
    public static string? DecodeXtext(string text)
    {
        var output = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var octet))
                {
                    return null;
                }

                output.Append((char)octet);
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return null;
            }
            else
            {
                output.Append(c);
            }
        }

        return output.ToString();
    }
}
