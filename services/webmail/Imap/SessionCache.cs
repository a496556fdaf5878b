using Facteur.Webmail.Mail;
using MimeKit;

namespace Facteur.Webmail.Imap;

/// <summary>
/// What a session's pooled connection remembers between requests, so a page costs one or two
/// IMAP round trips instead of a folder walk: the folder list with its counts (for a few seconds:
/// LIST-STATUS of every folder is the most expensive command of a page), the sort keys of the
/// messages already listed (a client-side sort when the server has no SORT, RFC 5256) and their
/// list rows (envelope, size, attachment marker: only the flags are fetched again), and the
/// last message opened (the read page, its HTML frame and its attachments ask for the same one).
/// Only used under the session's lease, so one request at a time: no locking. It lives and dies
/// with the pool entry; another replica simply builds its own.
/// </summary>
internal sealed class SessionCache
{
    /// <summary>Folders whose sort keys are kept; more means the oldest is dropped.</summary>
    private const int MaxListedFolders = 4;

    /// <summary>A message bigger than this is not kept for the next request.</summary>
    private const long MaxCachedMessage = 4 * 1024 * 1024;

    private readonly Dictionary<string, ListingCache> _listings = new(StringComparer.Ordinal);
    private IReadOnlyList<FolderItem>? _folders;
    private DateTimeOffset _foldersAt;
    private (string Folder, uint UidValidity, uint Uid, MimeMessage Message)? _lastMessage;

    public IReadOnlyList<FolderItem>? Folders(DateTimeOffset now, TimeSpan lifetime) =>
        _folders is not null && now - _foldersAt < lifetime ? _folders : null;

    public void KeepFolders(IReadOnlyList<FolderItem> folders, DateTimeOffset now)
    {
        _folders = folders;
        _foldersAt = now;
    }

    /// <summary>After anything that may change counts or names: a move, a flag, a new folder, a sent copy.</summary>
    public void ForgetFolders() => _folders = null;

    /// <summary>The sort keys of a folder for one UIDVALIDITY (a new UIDVALIDITY makes every UID a stranger, RFC 9051 §2.3.1.1).</summary>
    public ListingCache ListingOf(string folder, uint uidValidity)
    {
        if (_listings.TryGetValue(folder, out var keys) && keys.UidValidity == uidValidity)
        {
            keys.LastUsed = Environment.TickCount64;
            return keys;
        }

        if (_listings.Count >= MaxListedFolders && !_listings.ContainsKey(folder))
        {
            _listings.Remove(_listings.MinBy(pair => pair.Value.LastUsed).Key);
        }

        keys = new ListingCache(uidValidity) { LastUsed = Environment.TickCount64 };
        _listings[folder] = keys;
        return keys;
    }

    public MimeMessage? Message(string folder, uint uidValidity, uint uid) =>
        _lastMessage is { } last && last.Uid == uid && last.UidValidity == uidValidity && last.Folder == folder ? last.Message : null;

    public void KeepMessage(string folder, uint uidValidity, uint uid, MimeMessage message, long size) =>
        _lastMessage = size <= MaxCachedMessage ? (folder, uidValidity, uid, message) : null;

    /// <summary>After a delete, move or expunge the kept message may be gone.</summary>
    public void ForgetMessage() => _lastMessage = null;
}

/// <summary>
/// Per folder and UIDVALIDITY: UID → what the list sorts by, and UID → the list row without its
/// flags. Both are immutable for a UID (RFC 9051 §2.3.1.1), so each is fetched once; only the
/// flags are asked again on every page.
/// </summary>
internal sealed class ListingCache(uint uidValidity)
{
    /// <summary>Rows kept per folder; past this the rows are dropped and fetched again as pages are shown.</summary>
    public const int MaxRows = 5000;

    public uint UidValidity { get; } = uidValidity;

    public Dictionary<uint, MessageSortKey> Keys { get; } = [];

    public Dictionary<uint, MessageRow> Rows { get; } = [];

    public long LastUsed { get; set; }
}

/// <summary>What the list sorts by when the server cannot sort: base subject, sender's name or address, sent date, size.</summary>
internal sealed record MessageSortKey(string From, string Subject, DateTimeOffset Date, long Size);
