using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>
/// RFC 5321 §4.1.2 paths, with the RFC 6531 §3.3 UTF-8 extensions:
/// <code>
/// Reverse-path   = Path / "&lt;&gt;"
/// Forward-path   = Path / "&lt;Postmaster&gt;"          ; case-insensitive
/// Path           = "&lt;" [ A-d-l ":" ] Mailbox "&gt;"     ; the source route is parsed and ignored (§C)
/// A-d-l          = At-domain *( "," At-domain )
/// At-domain      = "@" Domain
/// Mailbox        = Local-part "@" ( Domain / address-literal )
/// Local-part     = Dot-string / Quoted-string
/// Dot-string     = Atom *( "." Atom )
/// Atom           = 1*atext                          ; atext =/ UTF8-non-ascii
/// Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
/// QcontentSMTP   = qtextSMTP / quoted-pairSMTP
/// quoted-pairSMTP= %d92 %d32-126
/// qtextSMTP      = %d32-33 / %d35-91 / %d93-126     ; =/ UTF8-non-ascii
/// Domain         = sub-domain *( "." sub-domain )
/// sub-domain     = Let-dig [ Ldh-str ]              ; =/ U-label
/// address-literal= "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]"
/// </code>
/// The local part is kept exactly as sent (quotes and escapes included); the domain is lower-cased.
/// </summary>
internal static class PathParser
{
    public const int MaxLocalPartLength = 64;
    public const int MaxDomainLength = 255;
    public const int MaxPathLength = 256;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <param name="address">Null for the null reverse-path &lt;&gt;.</param>
    public static bool TryParseReversePath(ref SequenceReader<byte> reader, out SmtpAddress? address, out SyntaxError error)
    {
        var span = SpanSource.Unread(ref reader);
        if (span.StartsWith("<>"u8))
        {
            reader.Advance(2);
            address = null;
            error = SyntaxError.None;
            return true;
        }

        if (TryParsePath(span, out var consumed, out var mailbox, out error))
        {
            reader.Advance(consumed);
            address = mailbox;
            return true;
        }

        address = null;
        return false;
    }

    /// <param name="isPostmaster">True for the bare &lt;Postmaster&gt; of RFC 5321 §4.1.1.3 (address is then default).</param>
    public static bool TryParseForwardPath(ref SequenceReader<byte> reader, out SmtpAddress address, out bool isPostmaster, out SyntaxError error)
    {
        var span = SpanSource.Unread(ref reader);
        if (span.Length >= 12 && Ascii.EqualsIgnoreCase(span[..12], "<postmaster>"u8))
        {
            reader.Advance(12);
            address = default;
            isPostmaster = true;
            error = SyntaxError.None;
            return true;
        }

        isPostmaster = false;
        if (TryParsePath(span, out var consumed, out address, out error))
        {
            reader.Advance(consumed);
            return true;
        }

        return false;
    }

    private static bool TryParsePath(ReadOnlySpan<byte> s, out int consumed, out SmtpAddress address, out SyntaxError error)
    {
        consumed = 0;
        address = default;
        error = SyntaxError.Path;
        var i = 0;
        if (!Expect(s, ref i, (byte)'<'))
        {
            return false;
        }

        // Source route (A-d-l): obsolete, parsed for syntax and then ignored (RFC 5321 §3.3, Appendix C).
        if (i < s.Length && s[i] == (byte)'@')
        {
            while (true)
            {
                if (!Expect(s, ref i, (byte)'@') || !TryParseDomain(s, ref i, out _))
                {
                    return false;
                }

                if (i < s.Length && s[i] == (byte)',')
                {
                    i++;
                    continue;
                }

                if (!Expect(s, ref i, (byte)':'))
                {
                    return false;
                }

                break;
            }
        }

        var localStart = i;
        if (!TryParseLocalPart(s, ref i))
        {
            return false;
        }

        var localEnd = i;
        if (!Expect(s, ref i, (byte)'@'))
        {
            return false;
        }

        var domainStart = i;
        var parsedDomain = i < s.Length && s[i] == (byte)'['
            ? TryParseAddressLiteral(s, ref i)
            : TryParseDomain(s, ref i, out _);
        if (!parsedDomain)
        {
            return false;
        }

        var domainEnd = i;
        if (!Expect(s, ref i, (byte)'>'))
        {
            return false;
        }

        if (localEnd - localStart > MaxLocalPartLength || domainEnd - domainStart > MaxDomainLength || i > MaxPathLength)
        {
            error = SyntaxError.PathTooLong;
            return false;
        }

        var local = s[localStart..localEnd];
        var domain = s[domainStart..domainEnd];
        if (!System.Text.Unicode.Utf8.IsValid(local) || !System.Text.Unicode.Utf8.IsValid(domain))
        {
            return false;
        }

        var domainText = Encoding.UTF8.GetString(domain).ToLowerInvariant();
        if (!Ascii.IsValid(domain))
        {
            // A U-label must be a valid IDN (RFC 5890); IdnMapping applies the IDNA rules.
            try
            {
                _ = Idn.GetAscii(domainText);
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        address = new SmtpAddress(Encoding.UTF8.GetString(local), domainText);
        consumed = i;
        error = SyntaxError.None;
        return true;
    }

    private static bool TryParseLocalPart(ReadOnlySpan<byte> s, ref int i)
    {
        if (i < s.Length && s[i] == (byte)'"')
        {
            i++;
            while (i < s.Length)
            {
                var c = s[i];
                if (c == (byte)'"')
                {
                    i++;
                    return true;
                }

                if (c == (byte)'\\')
                {
                    if (i + 1 >= s.Length || s[i + 1] is < 32 or > 126)
                    {
                        return false;
                    }

                    i += 2;
                }
                else if (c is >= 32 and <= 126 or >= 0x80)
                {
                    i++;
                }
                else
                {
                    return false;
                }
            }

            return false;
        }

        // Dot-string: atoms separated by single dots, no dot first or last.
        while (true)
        {
            var atomStart = i;
            while (i < s.Length && IsAtext(s[i]))
            {
                i++;
            }

            if (i == atomStart)
            {
                return false;
            }

            if (i < s.Length && s[i] == (byte)'.')
            {
                i++;
                continue;
            }

            return true;
        }
    }

    /// <summary>Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] or a U-label.</summary>
    internal static bool TryParseDomain(ReadOnlySpan<byte> s, ref int i, out int length)
    {
        var start = i;
        length = 0;
        while (true)
        {
            var labelStart = i;
            while (i < s.Length && (IsLetDig(s[i]) || s[i] == (byte)'-' || s[i] >= 0x80))
            {
                i++;
            }

            if (i == labelStart || s[labelStart] == (byte)'-' || s[i - 1] == (byte)'-')
            {
                return false;
            }

            if (i < s.Length && s[i] == (byte)'.' && i + 1 < s.Length && (IsLetDig(s[i + 1]) || s[i + 1] >= 0x80))
            {
                i++;
                continue;
            }

            length = i - start;
            return true;
        }
    }

    private static bool TryParseAddressLiteral(ReadOnlySpan<byte> s, ref int i)
    {
        var end = s[i..].IndexOf((byte)']');
        if (end < 0)
        {
            return false;
        }

        var content = s.Slice(i + 1, end - 1);
        if (!IsValidAddressLiteral(content))
        {
            return false;
        }

        i += end + 1;
        return true;
    }

    /// <summary>IPv4-address-literal / "IPv6:" IPv6-addr / Standardized-tag ":" 1*dcontent.</summary>
    internal static bool IsValidAddressLiteral(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty || !Ascii.IsValid(content))
        {
            return false;
        }

        Span<char> text = stackalloc char[content.Length];
        Ascii.ToUtf16(content, text, out _);
        if (text.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.TryParse(text[5..], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            // IPv4 literal: exactly four dotted decimal octets (IPAddress.TryParse would also take "1" or "1.2").
            return text.Count('.') == 3 && IPAddress.TryParse(text, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork;
        }

        if (colon == 0)
        {
            return false;
        }

        foreach (var c in text[(colon + 1)..])
        {
            if (c is < (char)33 or > (char)126 or '[' or ']' or '\\')
            {
                return false;
            }
        }

        return colon + 1 < text.Length;
    }

    private static bool Expect(ReadOnlySpan<byte> s, ref int i, byte c)
    {
        if (i < s.Length && s[i] == c)
        {
            i++;
            return true;
        }

        return false;
    }

    private static bool IsLetDig(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9';

    /// <summary>atext of RFC 5322 §3.2.3 plus UTF8-non-ascii (RFC 6531).</summary>
    private static bool IsAtext(byte c) => IsLetDig(c) || c >= 0x80 || c switch
    {
        (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+' or (byte)'-'
            or (byte)'/' or (byte)'=' or (byte)'?' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'{' or (byte)'|'
            or (byte)'}' or (byte)'~' => true,
        _ => false,
    };
}
