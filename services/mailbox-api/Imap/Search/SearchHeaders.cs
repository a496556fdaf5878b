using System.Text;
using Facteur.MailboxApi.Imap.Fetch;
using MimeKit;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// The header fields SEARCH asks for most (SUBJECT, FROM, TO, CC, BCC, SENT*, and HEADER on these
/// names), each occurrence kept as MimeKit decodes it (<see cref="Header.Value"/>: unfolded, RFC 2047
/// encoded words decoded, comments, groups and display names left in), in file order. A key answered
/// from here sees exactly the text it would see in the file: every field with the name, not only the
/// first one the ENVELOPE shows, so a second From or Subject still matches (RFC 3501 §6.4.4).
/// </summary>
/// <param name="Key">The Maildir key the fields were read from: a message never changes under its key.</param>
/// <param name="Fields">The cached fields present in the header, as (canonical name, decoded value).</param>
internal sealed record SearchHeaders(string Key, (string Field, string Value)[] Fields)
{
    /// <summary>Field names kept; HEADER on any other name reads the file.</summary>
    private static readonly string[] Names = ["Subject", "From", "To", "Cc", "Bcc", "Date", "Sender", "Reply-To", "Message-ID", "In-Reply-To"];

    /// <summary>The canonical name when <paramref name="field"/> is one of the kept fields (compared case-insensitively), else null.</summary>
    public static string? Kept(string field)
    {
        foreach (var name in Names)
        {
            if (name.Equals(field, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The kept fields of a parsed header block (an unparsable one is kept as no fields: the file cannot answer either).</summary>
    public static SearchHeaders From(string key, HeaderList? headers)
    {
        if (headers is null)
        {
            return new SearchHeaders(key, []);
        }

        var fields = new List<(string, string)>();
        foreach (var header in headers)
        {
            if (Kept(header.Field) is { } name)
            {
                fields.Add((name, header.Value ?? string.Empty));
            }
        }

        return new SearchHeaders(key, [.. fields]);
    }

    /// <summary>
    /// The kept fields of a header block given as octets (up to and including its empty line, or the
    /// whole message: the scan stops at the empty line), with exactly the values
    /// <see cref="From(string, HeaderList?)"/> gives for the same octets. Plain ASCII fields are cut out
    /// and unfolded here, with no MimeKit parse (a FETCH of a whole folder fills the cache on the way at
    /// a small fraction of what the FETCH costs); a block holding anything MimeKit might read otherwise
    /// (encoded words or 8-bit octets in a kept field, control characters, a line that is neither a
    /// field nor a continuation) goes to MimeKit, so the answer never depends on which path ran.
    /// </summary>
    public static SearchHeaders Parse(string key, ReadOnlySpan<byte> header)
    {
        var fields = new List<(string, string)>();
        if (TryScan(header, fields))
        {
            return new SearchHeaders(key, [.. fields]);
        }

        HeaderList? headers;
        try
        {
            using var stream = new MemoryStream(header.ToArray(), writable: false);
            headers = HeaderList.Load(ParserOptions.Default, stream);
        }
        catch (FormatException)
        {
            headers = null;
        }

        return From(key, headers);
    }

    /// <summary>The simple case of <see cref="Parse"/>: false as soon as the block needs MimeKit's reading.</summary>
    private static bool TryScan(ReadOnlySpan<byte> header, List<(string, string)> fields)
    {
        var reader = new HeaderFieldReader(header);
        while (reader.Next())
        {
            if (KeptName(reader.Name) is { } name && !AddValue(reader.Value, name, fields))
            {
                return false;
            }
        }

        return !reader.Odd;
    }

    /// <summary>
    /// Adds a field's value as <see cref="Header.Value"/> reads it: line ends dropped, white space trimmed
    /// at both ends. False when the raw octets need RFC 2047 or charset decoding (or hold controls).
    /// </summary>
    private static bool AddValue(ReadOnlySpan<byte> raw, string name, List<(string, string)> fields)
    {
        foreach (var c in raw)
        {
            if (c >= 0x7F || (c < 0x20 && c is not ((byte)'\t' or (byte)'\r' or (byte)'\n')))
            {
                return false;
            }
        }

        if (raw.IndexOf("=?"u8) >= 0)
        {
            return false;
        }

        Span<char> buffer = raw.Length <= 512 ? stackalloc char[raw.Length] : new char[raw.Length];
        var length = 0;
        foreach (var c in raw)
        {
            if (c is not ((byte)'\r' or (byte)'\n'))
            {
                buffer[length++] = (char)c;
            }
        }

        fields.Add((name, new string(buffer[..length].Trim())));
        return true;
    }

    /// <summary>The canonical kept name for an ASCII field name, else null.</summary>
    private static string? KeptName(ReadOnlySpan<byte> field)
    {
        foreach (var name in Names)
        {
            if (field.Length == name.Length && Ascii.EqualsIgnoreCase(field, name))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>True when a field named <paramref name="field"/> (canonical) contains <paramref name="text"/> (case-insensitive).</summary>
    public bool Contains(string field, string text)
    {
        foreach (var (name, value) in Fields)
        {
            if (name == field && value.Contains(text, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first Date field's decoded value, or null (what <c>HeaderList[HeaderId.Date]</c> gives).</summary>
    public string? Date
    {
        get
        {
            foreach (var (name, value) in Fields)
            {
                if (name == "Date")
                {
                    return value;
                }
            }

            return null;
        }
    }
}
