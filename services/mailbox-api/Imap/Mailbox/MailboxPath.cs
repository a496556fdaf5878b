using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>
/// Validates and normalises an IMAP mailbox name as given by a client: '.' is the hierarchy
/// separator (Maildir++), INBOX is case-insensitive (RFC 3501 §5.1), 8-bit names are converted
/// to modified UTF-7, and names that could escape the user's Maildir or break Maildir++
/// (empty levels, '/', NUL and controls, leading '.', "..", too deep, too long) are refused.
/// </summary>
internal static class MailboxPath
{
    public const char Separator = '.';
    public const int MaxDepth = 32;
    public const int MaxLength = 255;

    /// <summary>
    /// True when the name holds LIST's wildcards. They are legal in a name, but such a folder can never be
    /// listed on its own (RFC 3501 §5.1, §6.3.8), so CREATE, RENAME and SUBSCRIBE refuse them, as Cyrus
    /// does (Dovecot creates them). Existing folders with such names still open.
    /// </summary>
    public static bool HasWildcards(string name) => name.AsSpan().IndexOfAny('%', '*') >= 0;

    /// <summary>The normalised name, or null with the reason.</summary>
    public static string? Normalize(string name, out string? error)
    {
        error = null;
        if (name.Any(c => c > 0x7e))
        {
            name = ModifiedUtf7.Encode(name);
        }
        else if (ModifiedUtf7.Decode(name) is null)
        {
            error = "Invalid mailbox name (not modified UTF-7).";
            return null;
        }

        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return "INBOX";
        }

        if (name.StartsWith("INBOX.", StringComparison.OrdinalIgnoreCase))
        {
            name = "INBOX" + name[5..];
        }

        var levels = name.Split(Separator);
        if (name.Length == 0 || name.Length > MaxLength || levels.Length > MaxDepth)
        {
            error = "Mailbox name too long or too deep.";
            return null;
        }

        if (levels.Any(l => l.Length == 0 || l == ".." || l.Any(c => c is '/' or '\\' or '\0' or '~' || char.IsControl(c))))
        {
            error = "Mailbox name has an empty level or a character not allowed in folder names.";
            return null;
        }

        return name;
    }
}
