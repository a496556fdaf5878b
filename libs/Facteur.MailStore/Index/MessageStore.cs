using System.Collections.Concurrent;
using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// The entry point of the IMAP store side, one per process (a singleton): users' mailboxes, the
/// shared in-process <see cref="MailFolder"/> objects (so sessions on one folder see one state and
/// wake each other), wake-ups from delivery events, and quota.
/// </summary>
public sealed class MessageStore
{
    private readonly ConcurrentDictionary<string, UserMailbox> _users = new(StringComparer.Ordinal);

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
    public UserMailbox OpenUser(string user)
    {
        var maildir = UserMaildir.Open(MailRoot, user);
        return _users.GetOrAdd(maildir.Path, path => new UserMailbox(this, NormalizeUser(user), path));
    }

    /// <summary>
    /// Tells the store that a message was delivered (bus <c>MailDelivered</c>) or that a folder
    /// changed elsewhere: if the folder is open in this process it is re-synced in the background,
    /// which completes the <see cref="MailFolder.WaitForChangeAsync"/> of its sessions.
    /// </summary>
    public void NotifyChanged(string user, string folder)
    {
        UserMailbox mailbox;
        try
        {
            mailbox = OpenUser(user);
        }
        catch (ArgumentException)
        {
            return;
        }

        mailbox.InvalidateQuota();
        if (mailbox.OpenedFolder(folder) is { } opened)
        {
            _ = SyncQuietlyAsync(opened);
        }
    }

    /// <summary>The user's usage and limit (cached for <see cref="MailboxOptions.QuotaCacheDuration"/>).</summary>
    public Task<QuotaUsage> GetQuotaAsync(string user, CancellationToken cancellationToken = default) =>
        OpenUser(user).GetQuotaAsync(cancellationToken);

    /// <summary>False when storing <paramref name="size"/> more bytes would put the user over quota (delivery and APPEND ask this).</summary>
    public async Task<bool> HasRoomAsync(string user, long size, CancellationToken cancellationToken = default)
    {
        if (Options.QuotaBytes <= 0)
        {
            return true;
        }

        var usage = await GetQuotaAsync(user, cancellationToken).ConfigureAwait(false);
        return !usage.WouldExceed(size);
    }

    private static string NormalizeUser(string user)
    {
        var at = user.LastIndexOf('@');
        return at < 0 ? user : user[..at] + "@" + user[(at + 1)..].ToLowerInvariant();
    }

    private static async Task SyncQuietlyAsync(MailFolder folder)
    {
        try
        {
            await folder.SyncAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The polling fallback of the waiting sessions picks the change up.
        }
        catch (MailStoreException)
        {
        }
    }
}
