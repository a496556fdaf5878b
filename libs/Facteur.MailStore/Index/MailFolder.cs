namespace Facteur.MailStore.Index;

/// <summary>
/// One folder of one user, shared by every session of the process that has it open. Its state
/// lives in the Maildir (files, <c>dovecot-uidlist</c>, <c>dovecot-keywords</c>) and in Facteur's own
/// index beside them (<c>facteur-index</c>: flags, mod-sequences, sizes, internal dates, expunged
/// UIDs; <c>facteur-cache</c>: parsed summaries), both rebuildable from the Maildir. Every change
/// happens under the uidlist dot-lock, so replicas on a shared volume stay consistent.
/// All members are thread-safe.
/// </summary>
public sealed class MailFolder
{
    internal MailFolder(UserMailbox mailbox, string name, string path)
    {
        Mailbox = mailbox;
        Name = name;
        Path = path;
    }

    /// <summary>IMAP name ("INBOX", "Work.Projects").</summary>
    public string Name { get; }

    /// <summary>The folder's Maildir directory.</summary>
    public string Path { get; }

    /// <summary>The owner.</summary>
    public UserMailbox Mailbox { get; }

    /// <summary>The state as of the last sync or change in this process (no I/O).</summary>
    public FolderState State => throw new NotImplementedException();

    /// <summary>
    /// Brings the index up to date with the disk: new files get UIDs (only they are opened), vanished
    /// files become expunges, renamed files (flag changes by others) get new mod-sequences. Cheap
    /// when nothing changed. Concurrent callers share one sync.
    /// </summary>
    public Task<FolderState> SyncAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Completes when the folder's HIGHESTMODSEQ passes <paramref name="knownHighestModSeq"/> (a
    /// change made in this process, or found by a sync triggered by <see cref="MessageStore.NotifyChanged"/>
    /// or by polling the disk every <paramref name="pollInterval"/>). For IDLE.
    /// </summary>
    public Task<FolderState> WaitForChangeAsync(ulong knownHighestModSeq, TimeSpan pollInterval, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>UIDs expunged with a mod-sequence greater than <paramref name="modSeq"/>, increasing (QRESYNC VANISHED (EARLIER), RFC 7162 §3.2.10).</summary>
    public IReadOnlyList<uint> ExpungedSince(ulong modSeq) => throw new NotImplementedException();

    /// <summary>The parsed summary (envelope, body structure, sort fields), from the cache or parsed once and cached. Null when the file is gone.</summary>
    public Task<MessageSummary?> GetSummaryAsync(MessageRecord message, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Opens the message file for reading (bytes as on disk, seekable), wherever it is now; null when it is gone.</summary>
    public Stream? OpenMessage(MessageRecord message) => throw new NotImplementedException();

    /// <summary>Changes flags of messages (STORE), honouring UNCHANGEDSINCE; each real change gets a new mod-sequence.</summary>
    /// <exception cref="MailStoreException">TooManyKeywords.</exception>
    public Task<FlagUpdateResult> UpdateFlagsAsync(FlagChange change, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Deletes the messages flagged \Deleted (EXPUNGE), only those in <paramref name="uids"/> when given
    /// (UID EXPUNGE, RFC 4315). Returns the UIDs expunged, increasing.
    /// </summary>
    public Task<IReadOnlyList<uint>> ExpungeAsync(IReadOnlyCollection<uint>? uids = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Stores a message (tmp → fsync → rename into cur/ with its flags, mtime = internal date) and gives it the next UID.</summary>
    /// <exception cref="MailStoreException">OverQuota, TooManyKeywords.</exception>
    public Task<AppendResult> AppendAsync(Stream content, AppendRequest request, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Copies messages into <paramref name="target"/> with their flags and internal dates (COPY, COPYUID).</summary>
    /// <exception cref="MailStoreException">OverQuota.</exception>
    public Task<CopyResult> CopyAsync(IReadOnlyCollection<uint> uids, MailFolder target, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Copies then expunges the messages regardless of \Deleted (MOVE, RFC 6851).</summary>
    public Task<CopyResult> MoveAsync(IReadOnlyCollection<uint> uids, MailFolder target, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
