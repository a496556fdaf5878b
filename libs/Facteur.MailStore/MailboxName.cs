namespace Facteur.MailStore;

/// <summary>
/// Guards the names that become path segments under the mail root: the local part, the domain
/// and Maildir++ folder names. Anything that could climb out of the mail root or confuse a
/// Maildir reader (<c>..</c>, <c>/</c>, NUL, control characters) is refused (DESIGN.md promise 4).
/// </summary>
public static class MailboxName
{
    /// <summary>Splits <c>user@domain</c> into a safe local part and a lower-cased domain.</summary>
    /// <exception cref="ArgumentException">The address is not a safe mailbox name.</exception>
    public static (string LocalPart, string Domain) SplitMailbox(string mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var at = mailbox.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Length - 1)
        {
            throw new ArgumentException($"Mailbox '{Printable(mailbox)}' is not user@domain.", nameof(mailbox));
        }

        var localPart = mailbox[..at];
        var domain = mailbox[(at + 1)..].ToLowerInvariant();
        EnsureSafeSegment(localPart, "local part");
        EnsureSafeSegment(domain, "domain");
        return (localPart, domain);
    }

    /// <summary>
    /// Maps an IMAP folder name to its Maildir++ directory: null or INBOX → the root,
    /// <c>Work.Projects</c> → <c>.Work.Projects</c> (hierarchy separator <c>.</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The folder name is unsafe or has an empty level.</exception>
    public static string? FolderDirectory(string? folder)
    {
        if (folder is null || folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (folder.Length == 0)
        {
            throw new ArgumentException("Folder name is empty.", nameof(folder));
        }

        foreach (var level in folder.Split('.'))
        {
            // An empty level ("a..b", ".a", "a.") would alias another folder or the parent.
            if (level.Length == 0)
            {
                throw new ArgumentException($"Folder '{Printable(folder)}' has an empty hierarchy level.", nameof(folder));
            }

            EnsureSafeSegment(level, "folder");
        }

        return "." + folder;
    }

    internal static void EnsureSafeSegment(string value, string what)
    {
        if (value.Length == 0 || value == "." || value == "..")
        {
            throw new ArgumentException($"The {what} '{Printable(value)}' is not a valid mailbox name.");
        }

        if (value[0] == '.')
        {
            // A leading dot would make a user directory look like a Maildir++ folder.
            throw new ArgumentException($"The {what} '{Printable(value)}' may not start with '.'.");
        }

        foreach (var c in value)
        {
            if (c == '/' || c == '\\' || c == '\0' || char.IsControl(c))
            {
                throw new ArgumentException($"The {what} '{Printable(value)}' contains a forbidden character.");
            }
        }
    }

    private static string Printable(string value)
    {
        var chars = value.Select(c => char.IsControl(c) ? '?' : c).ToArray();
        return new string(chars);
    }
}
