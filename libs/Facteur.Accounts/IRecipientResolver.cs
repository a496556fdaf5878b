namespace Facteur.Accounts;

/// <summary>
/// Answers "where does mail for this address go?" from the local domains, the passwd-file
/// users and the virtual(5) aliases. The gateway asks at RCPT time (550 5.1.1 for unknown
/// local users); delivery asks again to expand aliases into final mailboxes.
/// </summary>
public interface IRecipientResolver
{
    /// <summary>True when <paramref name="domain"/> is one of Facteur:Domains (case-insensitive, IDN-aware).</summary>
    bool IsLocalDomain(string domain);

    ValueTask<RecipientResolution> ResolveAsync(string address, CancellationToken cancellationToken = default);
}

public enum RecipientKind
{
    /// <summary>The domain is local and the address leads to at least one mailbox or remote target.</summary>
    Local,

    /// <summary>The domain is not local: relaying.</summary>
    Remote,

    /// <summary>The domain is local but no user, alias or catch-all matches.</summary>
    UnknownLocalUser,
}

/// <param name="Kind">What the address is.</param>
/// <param name="Mailboxes">Final local mailboxes (canonical user@domain as in the accounts file), after alias expansion and removal of +tag.</param>
/// <param name="RemoteTargets">Addresses outside the local domains that aliases forward to.</param>
/// <param name="Folder">IMAP folder for sub-addressing delivery, or null for INBOX (reserved; INBOX today).</param>
public sealed record RecipientResolution(
    RecipientKind Kind,
    IReadOnlyList<string> Mailboxes,
    IReadOnlyList<string> RemoteTargets,
    string? Folder = null)
{
    public static RecipientResolution Remote { get; } = new(RecipientKind.Remote, [], []);

    public static RecipientResolution Unknown { get; } = new(RecipientKind.UnknownLocalUser, [], []);
}
