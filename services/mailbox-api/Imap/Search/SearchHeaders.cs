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
