using System.Globalization;
using System.Runtime.CompilerServices;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// A user's INBOX opened for one POP3 session: the messages numbered at login, the DELE marks,
/// and the session lock <c>dovecot-pop3-session.lock</c> (Dovecot's name, so a Dovecot replica
/// during a migration honours it too) that makes the maildrop exclusive across replicas (RFC 1939 §8
/// expects an exclusive-access lock). The lock is refreshed while the session lives so it is never
/// judged stale; after a crash it is taken over once stale.
/// </summary>
internal sealed class Maildrop : IAsyncDisposable
{
    public const string SessionLockFileName = "dovecot-pop3-session.lock";

    /// <summary>Dovecot's POP3_SESSION_DOTLOCK_STALE_TIMEOUT_SECS.</summary>
    public static readonly TimeSpan SessionLockStaleAfter = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(1);

    private readonly DotLock _lock;
    private readonly Timer _refresh;
    private readonly MaildropCache _cache;
    private readonly MaildropListing _listing;
    private readonly long _allSize;
    private int _count;
    private long _totalSize;
    private bool _finished;

    private Maildrop(MaildirFolder folder, DotLock sessionLock, MaildropCache cache, MaildropListing listing, IReadOnlyList<Pop3Message> messages)
    {
        Folder = folder;
        _lock = sessionLock;
        _cache = cache;
        _listing = listing;
        UidValidity = listing.UidValidity;
        Messages = messages;
        foreach (var message in messages)
        {
            _allSize += message.Size;
        }

        _count = messages.Count;
        _totalSize = _allSize;
        _refresh = new Timer(static state => ((DotLock)state!).Touch(), sessionLock, RefreshEvery, RefreshEvery);
    }

    public MaildirFolder Folder { get; }

    public uint UidValidity { get; }

    public IReadOnlyList<Pop3Message> Messages { get; }

    /// <summary>
    /// Messages not marked deleted. Kept by <see cref="Delete"/> and <see cref="Reset"/> rather than counted per
    /// command: LIST's status line ("n messages (octets)") comes before its first listing line, and two LINQ
    /// passes over 10,000 messages were most of the time a client waited for that line (0.3 ms against
    /// UIDL's 0.07 with a fixed status line).
    /// </summary>
    public int Count => _count;

    /// <summary>Octets of the messages not marked deleted (see <see cref="Count"/>).</summary>
    public long TotalSize => _totalSize;

    /// <summary>Opens the maildrop, or returns null when another session holds it.</summary>
    /// <param name="user">The canonical user (the IMAP store's INBOX of the same user may stand in for a scan).</param>
    public static async Task<Maildrop?> OpenAsync(MaildirFolder folder, string? user, MaildropCache cache, CancellationToken cancellationToken)
    {
        folder.EnsureCreated();
        var sessionLock = DotLock.TryAcquire(Path.Combine(folder.Path, SessionLockFileName), SessionLockStaleAfter);
        if (sessionLock is null)
        {
            return null;
        }

        try
        {
            var listing = await cache.ListAsync(folder, user, cancellationToken).ConfigureAwait(false);
            return new Maildrop(folder, sessionLock, cache, listing, Number(listing));
        }
        catch
        {
            sessionLock.Dispose();
            throw;
        }
    }

    /// <summary>The session's message numbers (RFC 1939 §2: 1-based, fixed for the session), in UID order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per login over every message (see MaildropListing.FromSnapshot)
    private static List<Pop3Message> Number(MaildropListing listing)
    {
        var messages = new List<Pop3Message>(listing.Messages.Count);
        foreach (var entry in listing.Messages)
        {
            messages.Add(new Pop3Message(messages.Count + 1, entry.Message, entry.Size, listing.UidValidity));
        }

        return messages;
    }

    /// <summary>
    /// Dovecot's default <c>pop3_uidl_format = %08Xu%08Xv</c>: UID then UIDVALIDITY, 8 hex digits each.
    /// Despite the capital X, Dovecot's variable expansion writes the hex digits in lower case
    /// (checked against Dovecot 2.3.19: UIDVALIDITY 1795922241 gives <c>000000016b0b9941</c>), and
    /// a UIDL differing only in case would make clients download everything again.
    /// A UIDL kept from an earlier server (the uidlist's P extension) wins, as in Dovecot.
    /// </summary>
    public static string UidlOf(MaildirMessage message, uint uidValidity) =>
        message.Pop3Uidl ?? string.Create(CultureInfo.InvariantCulture, $"{message.Uid:x8}{uidValidity:x8}");

    /// <summary>The message numbered <paramref name="number"/>, if it exists and is not marked deleted.</summary>
    public Pop3Message? Find(int number, out bool deleted)
    {
        deleted = false;
        if (number < 1 || number > Messages.Count)
        {
            return null;
        }

        var message = Messages[number - 1];
        deleted = message.Deleted;
        return deleted ? null : message;
    }

    /// <summary>DELE (RFC 1939 §5): marks the message; it is removed at QUIT.</summary>
    public void Delete(Pop3Message message)
    {
        if (!message.Deleted)
        {
            message.Deleted = true;
            _count--;
            _totalSize -= message.Size;
        }
    }

    /// <summary>RSET (RFC 1939 §5): unmarks every message.</summary>
    public void Reset()
    {
        foreach (var message in Messages)
        {
            message.Deleted = false;
        }

        _count = Messages.Count;
        _totalSize = _allSize;
    }

    /// <summary>
    /// Notes that the client has the message. The \Seen flag (a rename new/ → cur/…:2,S) is stored
    /// for all of them at once when the session ends — at QUIT, or when the connection drops, since
    /// the client has the messages either way — as Dovecot's POP3 does (its seen bitmask, applied by
    /// client_update_mails): a RETR then costs one open and read, not a stat and a rename too.
    /// </summary>
    public void MarkSeen(Pop3Message message)
    {
        if ((message.Message.Flags & MaildirFlags.Seen) == 0)
        {
            message.SeenPending = true;
        }
    }

    /// <summary>
    /// Ends the session's work on the maildrop: stores the pending \Seen flags and, at QUIT
    /// (<paramref name="update"/>), enters the UPDATE state (RFC 1939 §6) and removes the marked messages.
    /// A dropped session passes false: what the client received is recorded, nothing is deleted.
    /// Then hands the maildrop cache the listing as this session left it, so the next login does not list
    /// the directories again just because of this session's own renames and unlinks.
    /// Runs once; returns (removed, not removed).
    /// </summary>
    public (int Removed, int Failed) Finish(bool update)
    {
        if (_finished)
        {
            return (0, 0);
        }

        _finished = true;
        if (!Messages.Any(m => m.SeenPending || (update && m.Deleted)))
        {
            return (0, 0);
        }

        // Read before the first rename: the cache trusts our changes only if nothing else moved the maildrop since login.
        var before = FolderStamp.Read(Folder.Path);
        var unstored = ApplySeen(skipDeleted: update);
        var (removed, failed) = update ? Commit() : (0, 0);
        if (unstored == 0 && failed == 0)
        {
            _cache.KeepOwnChanges(Folder, _listing, before, Remaining(update));
        }

        return (removed, failed);
    }

    /// <summary>The login listing minus the messages this session removed, each under its file name now.</summary>
    private MaildropListing Remaining(bool update)
    {
        var entries = new List<MaildropEntry>(Messages.Count);
        for (var i = 0; i < Messages.Count; i++)
        {
            var message = Messages[i];
            if (update && message.Deleted)
            {
                continue;
            }

            var entry = _listing.Messages[i];
            entries.Add(ReferenceEquals(entry.Message, message.Message) ? entry : entry with { Message = message.Message });
        }

        return new MaildropListing(_listing.UidValidity, entries);
    }

    /// <summary>Stores the pending \Seen flags. Returns how many could not be stored (the file went away or is not writable).</summary>
    /// <param name="skipDeleted">At QUIT the marked messages are about to be removed: renaming them first is wasted work.</param>
    private int ApplySeen(bool skipDeleted)
    {
        var failed = 0;
        foreach (var message in Messages)
        {
            if (!message.SeenPending || (skipDeleted && message.Deleted))
            {
                continue;
            }

            message.SeenPending = false;
            try
            {
                if (Folder.ChangeFlags(message.Message, MaildirFlags.Seen) is { } changed)
                {
                    message.Message = changed;
                }
                else
                {
                    failed++; // gone (expunged elsewhere): the kept listing must not name it
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                failed++;
            }
        }

        return failed;
    }

    /// <summary>The UPDATE state (RFC 1939 §6): removes the marked messages. Returns (removed, not removed).</summary>
    private (int Removed, int Failed) Commit()
    {
        int removed = 0, failed = 0;
        foreach (var message in Messages.Where(m => m.Deleted))
        {
            try
            {
                // Gone already (expunged through IMAP) counts as removed: the client's intent holds.
                Folder.Delete(message.Message);
                removed++;
            }
            catch (IOException)
            {
                failed++;
            }
            catch (UnauthorizedAccessException)
            {
                failed++;
            }
        }

        return (removed, failed);
    }

    public async ValueTask DisposeAsync()
    {
        // Leaving without QUIT still records what the client received (nothing is deleted).
        Finish(update: false);
        await _refresh.DisposeAsync().ConfigureAwait(false);
        _lock.Dispose();
    }
}
