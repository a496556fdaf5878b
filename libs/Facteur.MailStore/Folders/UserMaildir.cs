namespace Facteur.MailStore.Folders;

/// <summary>
/// A user's Maildir++ root, <c>{MailRoot}/{domain}/{localpart}/</c> (Dovecot's
/// <c>maildir:/var/mail/vhosts/%d/%n</c>): INBOX is the root itself, other folders are
/// <c>.Name</c> directories with '.' as hierarchy separator.
/// </summary>
public sealed class UserMaildir
{
    private UserMaildir(string path) => Path = path;

    public string Path { get; }

    public MaildirFolder Inbox => new(Path);

    /// <summary>Resolves <paramref name="user"/> (<c>localpart@domain</c>) under <paramref name="mailRoot"/>.</summary>
    /// <exception cref="ArgumentException">The name would escape the mail root or is not user@domain.</exception>
    public static UserMaildir Open(string mailRoot, string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailRoot);
        ArgumentNullException.ThrowIfNull(user);
        var at = user.LastIndexOf('@');
        if (at <= 0 || at == user.Length - 1)
        {
            throw new ArgumentException("The user name is not localpart@domain.", nameof(user));
        }

        var localPart = user[..at];
        var domain = user[(at + 1)..].ToLowerInvariant();
        EnsureSafeSegment(localPart);
        EnsureSafeSegment(domain);
        return new UserMaildir(System.IO.Path.Combine(System.IO.Path.GetFullPath(mailRoot), domain, localPart));
    }

    /// <summary>The folder <paramref name="name"/> (IMAP name with '.' separators); INBOX is the root.</summary>
    public MaildirFolder Folder(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return Inbox;
        }

        if (name.Length == 0 || name.Split('.').Any(level => level.Length == 0))
        {
            throw new ArgumentException("A folder name has an empty level.", nameof(name));
        }

        EnsureSafeSegment(name);
        return new MaildirFolder(System.IO.Path.Combine(Path, "." + name));
    }

    private static void EnsureSafeSegment(string segment)
    {
        if (segment.Length == 0
            || segment is "." or ".."
            || segment.StartsWith('.')
            || segment.Any(c => c is '/' or '\\' or '\0' || char.IsControl(c)))
        {
            throw new ArgumentException("The name contains characters not allowed in a mailbox path.", nameof(segment));
        }
    }
}
