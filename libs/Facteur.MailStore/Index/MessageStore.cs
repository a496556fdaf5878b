using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// The entry point of the IMAP store side, one per process (a singleton): users' mailboxes, the
/// shared in-process <see cref="MailFolder"/> objects (so sessions on one folder see one state and
/// wake each other), wake-ups from delivery events, and quota.
/// </summary>
public sealed class MessageStore
{
    private const int AnnouncedGeneration = 4096;
    private readonly SharedInstances<UserMailbox> _users = new();
    private readonly Lock _announcedLock = new();
    private HashSet<string> _announced = new(StringComparer.Ordinal);
    private HashSet<string> _announcedBefore = new(StringComparer.Ordinal);

    /// <param name="mailRoot">Facteur:MailRoot, holding <c>{domain}/{localpart}/</c> Maildir++ roots.</param>
    /// <param name="options">Mailbox settings (quota, lock timeout).</param>
    public MessageStore(string mailRoot, MailboxOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailRoot);
        ArgumentNullException.ThrowIfNull(options);
        MailRoot = System.IO.Path.GetFullPath(mailRoot);
        Options = options;
        StartReleasingIdle(this, options.FolderStateRetention);
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
    /// The shared <see cref="MailFolder"/> of <paramref name="user"/>'s <paramref name="folder"/> when this
    /// process has it open already (an IMAP session selected it), else null. Never opens, loads or creates
    /// anything: POP3 reads the state the IMAP store keeps in memory for INBOX instead of listing the Maildir
    /// again, as Dovecot's POP3 reads the index its IMAP keeps, without making a POP3-only user's store.
    /// </summary>
    public MailFolder? FindOpenFolder(string user, string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return FindUser(user)?.OpenedFolder(folder);
    }

    /// <summary>
    /// Lets go of the folder states and mailboxes unused for <see cref="MailboxOptions.FolderStateRetention"/>: each
    /// stays alive while a session holds it, and is collected once none does. A timer calls this; tests call it.
    /// </summary>
    public void ReleaseIdle()
    {
        var retention = Options.FolderStateRetention;
        foreach (var mailbox in _users.Alive())
        {
            mailbox.ReleaseIdleFolders(retention);
        }

        // A mailbox goes with its last folder state: a folder holds its mailbox, so a mailbox released while
        // the folder was still held would take the folder's state with it to the collector.
        _users.ReleaseIdle(retention, static mailbox => mailbox.HoldsFolders);
    }

    /// <summary>
    /// Tells the store that a message was delivered (bus <c>MailDelivered</c>) or that a folder
    /// changed elsewhere: if the folder is open in this process it is re-synced in the background,
    /// which completes the <see cref="MailFolder.WaitForChangeAsync"/> of its sessions.
    /// </summary>
    public void NotifyChanged(string user, string folder)
    {
        // Only a mailbox this process has open has a quota cached or a folder to wake.
        var mailbox = FindUser(user);
        mailbox?.InvalidateQuota();
        mailbox?.OpenedFolder(folder)?.RequestSync();
    }

    /// <summary>
    /// A new copy <paramref name="fileName"/> is durable in <paramref name="folder"/>: <see cref="NotifyChanged"/>
    /// once per copy. Delivery calls this in its own process as soon as the copy is in <c>new/</c>, before it
    /// publishes <c>MailDelivered</c>; the bus event then reaches this same store (standalone) and is a no-op,
    /// while another replica's store hears of the copy through the event alone.
    /// </summary>
    public void NotifyDelivered(string user, string folder, string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        lock (_announcedLock)
        {
            if (_announced.Contains(fileName) || _announcedBefore.Contains(fileName))
            {
                return;
            }

            if (_announced.Count >= AnnouncedGeneration)
            {
                // Two generations: a name is remembered for at least AnnouncedGeneration later copies,
                // far longer than its bus event takes, and the memory stays bounded.
                (_announcedBefore, _announced) = (_announced, _announcedBefore);
                _announced.Clear();
            }

            _announced.Add(fileName);
        }

        NotifyChanged(user, folder);
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

    /// <summary>
    /// Sweeps every quarter of the retention (1 s to 1 min) on a timer that holds the store weakly: a store
    /// nobody uses any more (tests make many) is collected, and its timer stops at its next tick.
    /// </summary>
    private static void StartReleasingIdle(MessageStore store, TimeSpan retention)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        var weak = new WeakReference<MessageStore>(store);
        Timer? timer = null;
        timer = new Timer(
            _ =>
            {
                if (weak.TryGetTarget(out var alive))
                {
                    alive.ReleaseIdle();
                }
                else
                {
                    timer?.Dispose();
                }
            },
            null,
            period,
            period);
    }

    /// <summary>The mailbox of <paramref name="user"/> if this process has it alive; null for a name that is not a safe user@domain.</summary>
    private UserMailbox? FindUser(string user)
    {
        try
        {
            return _users.Find(UserMaildir.Open(MailRoot, user).Path);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string NormalizeUser(string user)
    {
        var at = user.LastIndexOf('@');
        return at < 0 ? user : user[..at] + "@" + user[(at + 1)..].ToLowerInvariant();
    }
}
