namespace Facteur.Accounts.Addresses;

/// <summary>
/// Which user names may own a mailbox. The store builds <c>{MailRoot}/{domain}/{localpart}/</c> from the
/// canonical name (DESIGN.md, On-disk formats), so a name must never be able to leave that folder.
/// </summary>
internal static class MailboxName
{
    /// <summary>Null when <paramref name="name"/> is a safe canonical user name, else why not.</summary>
    public static string? Problem(string name)
    {
        if (!MailAddress.TryParse(name, out var address))
        {
            return $"'{Printable(name)}' is not an address user@domain";
        }

        var local = address.LocalPart;
        if (local.Length > 64)
        {
            return "the local part is longer than 64 characters (RFC 5321 section 4.5.3.1.1)";
        }

        // '.' first would also make it a Maildir++ folder name; "." and ".." are path tricks.
        if (local.StartsWith('.') || local.Contains(".."))
        {
            return "the local part starts with '.' or contains '..'";
        }

        foreach (var c in local)
        {
            if (c is '/' or '\\' or ':' or '\0' or '"' || char.IsControl(c) || char.IsWhiteSpace(c))
            {
                return $"the local part contains '{Printable(c.ToString())}'";
            }
        }

        return null;
    }

    public static bool IsValid(string name) => Problem(name) is null;

    /// <summary>Control characters shown as \uXXXX so an error line stays one line.</summary>
    public static string Printable(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                builder.Append($"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
