using System.Globalization;

namespace Facteur.Accounts.Addresses;

/// <summary>
/// Domain names compared the way mail does: case-insensitively, and with U-labels and A-labels equal
/// (RFC 5890: <c>sénégal.sn</c> and <c>xn--sngal-bsab.sn</c> are one domain). The key is the lower-case A-label form.
/// </summary>
internal static class DomainName
{
    // UseStd3AsciiRules: letters, digits and hyphens only (RFC 1123 host names), so '/', '\', NUL,
    // white space and '..' can never reach a path built from a domain.
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>Normalises <paramref name="text"/> to its lower-case ASCII (A-label) form; false when it is not a valid domain name.</summary>
    public static bool TryNormalize(string? text, out string ascii)
    {
        ascii = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var name = text.Trim();
        if (name.EndsWith('.'))
        {
            name = name[..^1]; // a fully qualified name with its root dot is the same domain
        }

        if (name.Length is 0 or > 253 || name.StartsWith('.') || name.Contains(".."))
        {
            return false;
        }

        string result;
        try
        {
            result = Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return false;
        }

        foreach (var label in result.Split('.'))
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-'))
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
                {
                    return false;
                }
            }
        }

        ascii = result;
        return true;
    }

    /// <summary>The Unicode (U-label) form, for display.</summary>
    public static string ToUnicode(string ascii)
    {
        try
        {
            return Idn.GetUnicode(ascii);
        }
        catch (ArgumentException)
        {
            return ascii;
        }
    }
}
