namespace Facteur.MailStore.Index;

/// <summary>
/// The entry point of the IMAP store side, one per process (a singleton): users' mailboxes, the
/// shared in-process <see cref="MailFolder"/> objects (so sessions on one folder see one state and
/// wake each other), wake-ups from delivery events, and quota.
/// </summary>
public sealed class MessageStore
{
    /// <param name="mailRoot">Facteur:MailRoot, holding <c>{domain}/{localpart}/</c> Maildir++ roots.</param>
    /// <param name="options">Mailbox settings (quota, lock timeout).</param>
    public MessageStore(string mailRoot, MailboxOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailRoot);
        ArgumentNullException.ThrowIfNull(options);
        MailRoot = System.IO.Path.GetFullPath(mailRoot);
        Options = options;
    }

    public string MailRoot { get; }

    public MailboxOptions Options { get; }

    /// <summary>The mailbox of <paramref name="user"/> (<c>localpart@domain</c>), shared within the process. Does not create anything on disk.</summary>
    /// <exception cref="ArgumentException">Not a safe user@domain name.</exception>
    public UserMailbox OpenUser(string user) => throw new NotImplementedException();

    /// <summary>
    /// Tells the store that a message was delivered (bus <c>MailDelivered</c>) or that a folder
    /// changed elsewhere: if the folder is open in this process it is re-synced in the background,
    /// which completes the <see cref="MailFolder.WaitForChangeAsync"/> of its sessions.
    /// </summary>
    public void NotifyChanged(string user, string folder) => throw new NotImplementedException();

    /// <summary>The user's usage and limit (cached for <see cref="MailboxOptions.QuotaCacheDuration"/>).</summary>
    public Task<QuotaUsage> GetQuotaAsync(string user, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>False when storing <paramref name="size"/> more bytes would put the user over quota (delivery and APPEND ask this).</summary>
    public Task<bool> HasRoomAsync(string user, long size, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
