using System.Buffers;
using System.Text;
using MimeKit;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// Answers "does this text part's decoded text contain an ASCII needle?" by streaming the part's
/// transfer-decoded octets through a pooled buffer, without building the part's text as a string —
/// when the octets can settle it exactly: the charset maps every ASCII octet to the same character
/// wherever it stands (UTF-8, US-ASCII, ISO-8859-x, windows-125x), so an ASCII-case-insensitive octet
/// match is a match in the text <see cref="TextPart.Text"/> gives; and octets that are all ASCII and
/// hold no match mean the text holds none. Anything else (a non-ASCII needle, another charset, a part
/// that may be UTF-16 by its BOM or HTML meta tag, non-ASCII octets without a match) is left
/// to the caller, which decodes the text.
/// </summary>
internal static class TextPartScan
{
    private const int ChunkSize = 16 * 1024;

    private static readonly SearchValues<string> TransparentCharsets = SearchValues.Create(
        [
            "utf-8", "utf8", "us-ascii", "ascii",
            "iso-8859-1", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8",
            "iso-8859-9", "iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16", "latin1",
            "windows-1250", "windows-1251", "windows-1252", "windows-1253", "windows-1254", "windows-1255", "windows-1256",
            "windows-1257", "windows-1258",
        ],
        StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="needle"/> can be searched for octet by octet: non-empty ASCII without line ends.</summary>
    public static bool CanScan(string needle) =>
        needle.Length > 0 && Ascii.IsValid(needle) && !needle.Contains('\r', StringComparison.Ordinal) && !needle.Contains('\n', StringComparison.Ordinal);

    /// <summary>
    /// True or false when the octets settle whether <paramref name="part"/>'s text contains
    /// <paramref name="needle"/> (ASCII, as <see cref="CanScan"/>, already encoded as ASCII octets); null when the text must be decoded.
    /// </summary>
    public static bool? Contains(TextPart part, ReadOnlySpan<byte> needle)
    {
        if (part.Content is null)
        {
            return false; // Text is "" (MimeKit)
        }

        var charset = part.ContentType.Charset;
        if (charset is not null ? !TransparentCharsets.Contains(charset.Trim()) || part.ContentType.CharsetEncoding is null : part.IsHtml)
        {
            // Without a charset MimeKit sniffs the text/html <meta> tag; with another one it decodes with it.
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize + needle.Length);
        try
        {
            using var content = part.Content.Open();
            var kept = 0;
            var first = true;
            var allAscii = true;
            while (true)
            {
                var read = content.Read(buffer, kept, ChunkSize);
                if (read == 0)
                {
                    return allAscii ? false : null;
                }

                if (first && charset is null && buffer[0] is 0xFE or 0xFF or 0x00)
                {
                    // A UTF-16/32 byte order mark: MimeKit would decode the part with it (no charset given).
                    return null;
                }

                first = false;
                var window = buffer.AsSpan(0, kept + read);
                allAscii &= Ascii.IsValid(window[kept..]);
                if (IndexOfIgnoreCase(window, needle) >= 0)
                {
                    return true;
                }

                // Keep the tail that could start a match split across two reads.
                kept = Math.Min(needle.Length - 1, window.Length);
                window[^kept..].CopyTo(buffer);
            }
        }
        catch (FormatException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The first ASCII-case-insensitive occurrence of <paramref name="needle"/> in <paramref name="haystack"/>, or -1.</summary>
    internal static int IndexOfIgnoreCase(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle)
    {
        var head = needle[0];
        var lower = (byte)char.ToLowerInvariant((char)head);
        var upper = (byte)char.ToUpperInvariant((char)head);
        var offset = 0;
        while (offset <= haystack.Length - needle.Length)
        {
            var found = lower == upper ? haystack[offset..].IndexOf(lower) : haystack[offset..].IndexOfAny(lower, upper);
            if (found < 0)
            {
                return -1;
            }

            var at = offset + found;
            if (at > haystack.Length - needle.Length)
            {
                return -1;
            }

            if (Ascii.EqualsIgnoreCase(haystack.Slice(at, needle.Length), needle))
            {
                return at;
            }

            offset = at + 1;
        }

        return -1;
    }
}
