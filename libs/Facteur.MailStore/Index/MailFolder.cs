using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Facteur.MailStore.Folders;

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
    /// <summary>Expunge records kept for VANISHED (EARLIER); older ones are summarised by a floor.</summary>
    private const int MaxExpungedRecords = 50_000;

    /// <summary>Summaries parsed but not yet in <c>facteur-cache</c> before a flush is forced.</summary>
    private const int SummaryFlushThreshold = 1024;

    /// <summary>
    /// How long what a FETCH learned (a size, a date, a summary, rendered items) may wait in memory before a
    /// background flush writes it, when no locked operation took it first and too little for
    /// <see cref="SummaryFlushThreshold"/> came: one write for a client's burst of FETCHes instead of one per command.
    /// </summary>
    private static readonly TimeSpan PendingFlushDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Planned renames from which a STORE's index batch is written and fsynced beside its renames
    /// (IndexBatchWrite) rather than before them: below it the renames take less than the thread's start.
    /// </summary>
    private const int OverlappedWriteFrom = 64;

    /// <summary>
    /// Messages from which a sync writes a whole uidlist, and a whole index base, on a thread of its own
    /// beside the work that does not depend on it (see SyncLocked): below it the thread's start costs more.
    /// </summary>
    private const int ConcurrentRewriteFrom = 4096;

    /// <summary>
    /// Files from which a first sync (no index yet) runs inside a <see cref="CollectionPause"/>: below it the
    /// sync allocates too little for a collection to land in the middle of it.
    /// </summary>
    private const int CollectionPauseFrom = 4096;

    /// <summary>
    /// What a first sync's <see cref="CollectionPause"/> asks for per listed file, and once more on top: about twice
    /// what the sync allocates inside it. A cold SELECT allocated 555 B a file in all at 10,000 files and 539 at
    /// 100,000 (names of 43 characters), the part inside the pause less: with names of about 60 characters, 5,000
    /// files outgrew a pause of 350 B a file and fitted in 400 B a file and 1 MB (CollectionPauseTests). Asking for
    /// more is not free: at 1 KiB a file and 16 MB (26 MB for 10,000 files) the first cold SELECT of 10,000 in a
    /// process took 21–36 ms, against 11–19 ms at this size (docs/README-perf.md, stop 50). A sync that outgrows
    /// its pause only ends it early (the runtime collects as usual from there).
    /// </summary>
    private const long CollectionPauseBytesPerFile = 768;

    /// <inheritdoc cref="CollectionPauseBytesPerFile"/>
    private const long CollectionPauseBytesMore = 4L << 20;

    /// <summary>The size of a <c>facteur-index</c> base (≈ 4,096 lines) from which its load runs inside a <see cref="CollectionPause"/>.</summary>
    private const long CollectionPauseFromIndexBytes = 4096 * 100;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<uint, (string Key, MessageSummary Summary)> _pendingSummaries = new();
    private readonly ConcurrentDictionary<uint, (string Key, RenderedFetchItems Items)> _pendingFetchItems = new();
    private readonly ConcurrentDictionary<uint, MessageFileFacts> _pendingFacts = new();
    private readonly object _signalLock = new();
    private FolderIndexFile _index = new();
    private bool _loaded;
    private DovecotKeywords _keywords = new();
    private uint _uidNext = 1;
    private volatile UidTable _byUid = UidTable.Empty;
    private volatile FolderState _state;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _syncRequests;
    private long _syncCompleted;
    private int _flushing;
    private int _flushArmed;
    private int _pendingAdditions;
    private int _syncQueued;
    private int _indexLogFsyncOwed;
    private int _waiters;
    private volatile VerifiedStamp? _verified;
    private OwnStamp? _ownStamp;
    private KnownCur? _knownCur;
    private Task _curLook = Task.CompletedTask;
    private ListStamp? _appendableList;
    private readonly HashSet<uint> _staleListUids = [];
    private FolderPoll.Subscription? _poll;
    private long _lastUsed = Environment.TickCount64;
    private int _trustScheduled;

    internal MailFolder(UserMailbox mailbox, string name, string path)
    {
        Mailbox = mailbox;
        Name = name;
        Path = path;
        _state = new FolderState(name, 0, 1, 0, [], []);
    }

    /// <summary>IMAP name ("INBOX", "Work.Projects").</summary>
    public string Name { get; }

    /// <summary>The folder's Maildir directory.</summary>
    public string Path { get; }

    /// <summary>The owner.</summary>
    public UserMailbox Mailbox { get; }

    /// <summary>The state as of the last sync or change in this process (no I/O).</summary>
    public FolderState State => _state;

    internal string IndexPath => System.IO.Path.Combine(Path, FolderIndexFile.FileName);

    internal string CachePath => System.IO.Path.Combine(Path, SummaryCacheFile.FileName);

    private string UidListPath => System.IO.Path.Combine(Path, MaildirFolder.UidListFileName);

    private bool IsInbox => Name.Equals("INBOX", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Brings the index up to date with the disk: new files get UIDs (only they are opened), vanished
    /// files become expunges, renamed files (flag changes by others) get new mod-sequences. Cheap
    /// when nothing changed. Concurrent callers share one sync.
    /// </summary>
    public Task<FolderState> SyncAsync(CancellationToken cancellationToken = default)
    {
        // A session's use (IMAP syncs after each command): the store keeps the state while it is used. The
        // syncs a delivery or the IDLE poll start do not count, or a folder that keeps getting mail would
        // stay in memory with nobody reading it.
        Volatile.Write(ref _lastUsed, Environment.TickCount64);
        return SyncUnusedAsync(cancellationToken);
    }

    private async Task<FolderState> SyncUnusedAsync(CancellationToken cancellationToken = default)
    {
        if (IsUnchangedOnDisk())
        {
            return _state;
        }

        var ticket = Interlocked.Increment(ref _syncRequests);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A sync that started after this call was made has already done the work.
            if (Interlocked.Read(ref _syncCompleted) >= ticket)
            {
                return _state;
            }

            var covered = Interlocked.Read(ref _syncRequests);
            await WithDiskLockAsync(() => SyncLocked(cancellationToken), cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _syncCompleted, covered);
            return _state;
        }
        finally
        {
            _gate.Release();
            FsyncOwedIndexLog();
        }
    }

    /// <summary>
    /// The fsync of a sync's index batch, after the gate and the lock are released, on a pool thread of
    /// its own: neither the next sync (the next delivery's EXISTS) nor the IDLE sessions this sync woke
    /// wait behind it — their continuations sit in this thread's local queue, which it reaches only once
    /// it returns. Until it is done, a power loss can cost the batch, which the next sync writes again
    /// from the durable uidlist and the files (see SyncLocked).
    /// </summary>
    private void FsyncOwedIndexLog()
    {
        if (Interlocked.Exchange(ref _indexLogFsyncOwed, 0) == 1)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static path => FsyncIndexLogQuietly(path), IndexPath, preferLocal: false);
        }
    }

    private static void FsyncIndexLogQuietly(string indexPath)
    {
        try
        {
            FolderIndexLog.Fsync(indexPath);
        }
        catch (IOException)
        {
            // Nothing is lost that cannot be found again: the batch comes back from the uidlist and the
            // files, and the next STORE/EXPUNGE/APPEND batch's own fsync covers this one.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Asks for a sync in the background and returns at once (a bus event's consumer calls this: run
    /// inline, the sync's listing and fsyncs held up every later event on the endpoint, so under a burst
    /// of deliveries IDLE sessions heard of a new message hundreds of ms late). Requests made while one
    /// is queued share it; one made while a sync runs queues the next, whose listing then sees the file.
    /// </summary>
    public void RequestSync()
    {
        if (Interlocked.Exchange(ref _syncQueued, 1) == 0)
        {
            // This thread's local queue, not the global one: under load the global queue is long (every
            // socket and timer callback), and this thread reaches the item at its next await.
            ThreadPool.UnsafeQueueUserWorkItem(static folder => _ = folder.RunRequestedSyncAsync(), this, preferLocal: true);
        }
    }

    private async Task RunRequestedSyncAsync()
    {
        // Cleared before the sync takes its ticket: a request from now on is either covered by this
        // sync (made before its ticket) or queues another one.
        Volatile.Write(ref _syncQueued, 0);
        try
        {
            await SyncUnusedAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The shared poll of the waiting sessions picks the change up.
        }
        catch (UnauthorizedAccessException)
        {
        }
        catch (MailStoreException)
        {
        }
    }

    /// <summary>
    /// The sync IMAP runs after every command, without the dot-lock, in the common case: the directories,
    /// the uidlist and the index (generation, log length) are exactly as the last locked sync of this
    /// process left them, and that state is old enough to trust on a coarse clock. Four stat calls and a
    /// one-line read instead of creating and deleting the lock file. A change that races this check is
    /// simply seen by the next sync, as if it came a moment later. What FETCHes learned and did not write
    /// yet does not count: it is a cache of the files, written by the delayed flush
    /// (<see cref="PendingFlushDelay"/>). Until 2026-12-02 it made the sync after the command take the lock
    /// and write it: the first FETCH of each message of 10,000 waited for the dot-lock's file, a read of
    /// the uidlist and an index append before its tagged OK.
    /// </summary>
    private bool IsUnchangedOnDisk()
    {
        if (_verified is not { } verified)
        {
            return false;
        }

        try
        {
            return DirectoryStamp.Read(Path, UidListPath) == verified.Stamp
                && (verified.TrustUntilUtc is not { } until || DateTime.UtcNow < until)
                && _index.CheckFreshness(IndexPath) == IndexFreshness.Current;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Completes when the folder's HIGHESTMODSEQ passes <paramref name="knownHighestModSeq"/> (a
    /// change made in this process, or found by a sync triggered by <see cref="MessageStore.NotifyChanged"/>
    /// or by the folder's poll of the disk). For IDLE. The poll is one per folder, shared by all its
    /// waiters and running only while there are some, every <paramref name="pollInterval"/> (the shortest
    /// any waiter asked for); between changes it costs three stat calls, not a sync per connection.
    /// </summary>
    public async Task<FolderState> WaitForChangeAsync(ulong knownHighestModSeq, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        AddWaiter(pollInterval);
        try
        {
            while (true)
            {
                Task signal;
                lock (_signalLock)
                {
                    signal = _changed.Task;
                }

                var state = _state;
                if (state.HighestModSeq != knownHighestModSeq)
                {
                    return state;
                }

                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            RemoveWaiter();
        }
    }

    /// <summary>
    /// True when a session synced this state within <paramref name="retention"/> (IMAP syncs after each command)
    /// or waits on it in IDLE: the store keeps it for the next SELECT, counting the retention from then.
    /// </summary>
    internal bool InUseWithin(TimeSpan retention) =>
        Environment.TickCount64 - Volatile.Read(ref _lastUsed) < retention.TotalMilliseconds || Waiters > 0;

    /// <summary>How many syncs of this process listed new/ and cur/ and read the uidlist whole (tests: which syncs did without).</summary>
    internal int FullSyncs { get; private set; }

    /// <summary>Sessions waiting in <see cref="WaitForChangeAsync"/> now (tests, telemetry).</summary>
    internal int Waiters
    {
        get
        {
            lock (_signalLock)
            {
                return _waiters;
            }
        }
    }

    private void AddWaiter(TimeSpan pollInterval)
    {
        lock (_signalLock)
        {
            _waiters++;
            if (_poll is null)
            {
                _poll = FolderPoll.Shared.Start(pollInterval, ReadStampForPoll, SyncUnusedAsync);
            }
            else
            {
                FolderPoll.Shared.Shorten(_poll, pollInterval); // the shortest interval any waiter asked for
            }
        }
    }

    private void RemoveWaiter()
    {
        lock (_signalLock)
        {
            if (--_waiters == 0 && _poll is { } poll)
            {
                FolderPoll.Shared.Stop(poll);
                _poll = null;
            }
        }
    }

    /// <summary>
    /// The filesystem fallback of IDLE (<see cref="FolderPoll"/>): changes made by Dovecot, by a replica whose
    /// bus event was lost, or by anything that does not announce itself. A change renames or adds a file
    /// (new/, cur/ mtime) or rewrites the uidlist, so while the stamp is unchanged — and old enough to trust
    /// on a coarse clock — nothing is synced.
    /// </summary>
    private DirectoryStamp ReadStampForPoll() => DirectoryStamp.Read(Path, UidListPath);

    /// <summary>UIDs expunged with a mod-sequence greater than <paramref name="modSeq"/>, increasing (QRESYNC VANISHED (EARLIER), RFC 7162 §3.2.10).</summary>
    public IReadOnlyList<uint> ExpungedSince(ulong modSeq)
    {
        var index = _index;
        var byUid = _byUid;
        lock (index.Expunged)
        {
            if (modSeq < index.ExpungeFloor)
            {
                // Records older than the floor were dropped, or lost with a rebuilt index: report every
                // UID below UIDNEXT that is not present (RFC 7162 §3.2.5.2 / §3.2.10 let VANISHED (EARLIER)
                // include UIDs that never existed), so a client never keeps a message that is gone.
                var all = new List<uint>();
                for (uint uid = 1; uid < _uidNext; uid++)
                {
                    if (!byUid.ContainsKey(uid))
                    {
                        all.Add(uid);
                    }
                }

                return all;
            }

            return index.Expunged.Where(e => e.ModSeq > modSeq).Select(e => e.Uid).Order().Distinct().ToList();
        }
    }

    /// <summary>The parsed summary (envelope, body structure, sort fields), from the cache or parsed once and cached. Null when the file is gone.</summary>
    public async Task<MessageSummary?> GetSummaryAsync(MessageRecord message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_pendingSummaries.TryGetValue(message.Uid, out var pending) && pending.Key == message.Key)
        {
            return pending.Summary;
        }

        if (_byUid.TryGetValue(message.Uid, out var entry) && entry.Key == message.Key
            && SummaryCacheFile.Read(CachePath, entry.CacheOffset, entry.CacheLength, entry.Key) is { } cached)
        {
            return cached;
        }

        MessageSummary summary;
        await using (var stream = OpenMessage(message))
        {
            if (stream is null)
            {
                return null;
            }

            summary = MessageSummaryParser.Parse(stream, cancellationToken);
        }

        _pendingSummaries[message.Uid] = (message.Key, summary);
        FlushWhenEnoughPending();

        return summary;
    }

    /// <summary>A reader of cached <see cref="RenderedFetchItems"/> in <paramref name="format"/> for one FETCH command (dispose it after).</summary>
    public RenderedFetchReader OpenRenderedFetchReader(string format)
    {
        ArgumentException.ThrowIfNullOrEmpty(format);
        return new RenderedFetchReader(this, format);
    }

    /// <summary>
    /// Keeps FETCH items rendered from the file of <paramref name="message"/> (in memory at once, in
    /// <c>facteur-cache</c> with the next locked operation or once enough are pending), so the next FETCH
    /// of them does not open the file.
    /// </summary>
    public void CacheRenderedFetchItems(MessageRecord message, RenderedFetchItems items)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(items);
        _pendingFetchItems[message.Uid] = (message.Key, items);
        FlushWhenEnoughPending();
    }

    /// <summary>
    /// Starts a background flush after every <see cref="SummaryFlushThreshold"/> summaries or rendered
    /// items or file facts kept. Counted, not measured with <c>ConcurrentDictionary.Count</c>, which takes every lock of
    /// the tables: asked once per message of a FETCH 1:*, it made the FETCH wait on the flush running
    /// beside it.
    /// </summary>
    private void FlushWhenEnoughPending()
    {
        if (Interlocked.Increment(ref _pendingAdditions) % SummaryFlushThreshold == 0)
        {
            StartBackgroundFlush();
        }
        else
        {
            FlushLater();
        }
    }

    /// <summary>Arms one flush <see cref="PendingFlushDelay"/> from now unless one is armed already.</summary>
    private void FlushLater()
    {
        if (Interlocked.CompareExchange(ref _flushArmed, 1, 0) == 0)
        {
            _ = FlushAfterDelayAsync();
        }
    }

    private async Task FlushAfterDelayAsync()
    {
        await Task.Delay(PendingFlushDelay).ConfigureAwait(false);
        // Disarmed before the flush starts: what comes while it runs arms the next one.
        Volatile.Write(ref _flushArmed, 0);
        if (HasPending)
        {
            StartBackgroundFlush();
        }
    }

    /// <summary>Summaries, rendered items or file facts kept and not yet written.</summary>
    private bool HasPending => !_pendingSummaries.IsEmpty || !_pendingFetchItems.IsEmpty || !_pendingFacts.IsEmpty;

    private void StartBackgroundFlush()
    {
        if (Interlocked.CompareExchange(ref _flushing, 1, 0) == 0)
        {
            // On a pool thread, not inline: the dot-lock is usually free, so an inline start ran the whole flush
            // (index log append, a new base after a rebuild, their fsync) on the thread of the FETCH that
            // triggered it — a fifth of a 100,000-message header FETCH (dotnet-trace, 2026-11-29).
            _ = Task.Run(FlushSummariesInBackgroundAsync);
        }
    }

    internal RenderedFetchItems? PendingRenderedFetchItems(MessageRecord message) =>
        _pendingFetchItems.TryGetValue(message.Uid, out var pending) && pending.Key == message.Key ? pending.Items : null;

    internal (long Offset, int Length)? CachedFetchPosition(MessageRecord message) =>
        _byUid.TryGetValue(message.Uid, out var entry) && entry.Key == message.Key && entry.FetchOffset >= 0 && entry.FetchLength > 0
            ? (entry.FetchOffset, entry.FetchLength)
            : null;

    /// <summary>Opens the message file for reading (bytes as on disk, seekable), wherever it is now; null when it is gone.</summary>
    public Stream? OpenMessage(MessageRecord message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var candidates = new List<string> { System.IO.Path.Combine(Path, message.SubDirectory, message.FileName) };
        if (_byUid.TryGetValue(message.Uid, out var entry) && entry.Key == message.Key)
        {
            candidates.Add(System.IO.Path.Combine(Path, entry.SubDirectory, entry.FileName));
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            foreach (var candidate in candidates)
            {
                try
                {
                    // Unbuffered: readers take the file in one read of its size (FETCH) or in their own blocks
                    // (MimeKit); a 64 KiB buffer per open was allocated and filled for nothing.
                    var file = new FileStream(candidate, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.RandomAccess);
                    // Size and date not read yet: from this handle (positioned reads, the stream stays at 0), not a second open.
                    message.Facts?.ReadFrom(file.SafeFileHandle);
                    return file;
                }
                catch (FileNotFoundException)
                {
                }
                catch (DirectoryNotFoundException)
                {
                    return null;
                }
            }

            // Renamed by someone else (a flag change): find it by its key.
            if (Relocate(message.Key) is not { } found)
            {
                return null;
            }

            candidates = [System.IO.Path.Combine(Path, found.SubDirectory, found.FileName)];
        }

        return null;
    }

    /// <summary>
    /// The header of <paramref name="message"/> (through its empty line, line ends CRLF: BODY[HEADER]), wherever
    /// its file is now; null when it is gone. One open and, for most files, one read: a size and date not read yet
    /// (<see cref="MessageFileFacts"/>) come from the same handle and the same reads, not from a second pass.
    /// </summary>
    public byte[]? ReadMessageHeader(MessageRecord message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (OpenMessageHandle(message) is not { } file)
        {
            return null;
        }

        using (file)
        {
            var facts = message.Facts;
            var countSize = facts is { KnownSize: < 0 };
            var (header, virtualSize) = Folders.MessageHeaderRead.Read(file, countSize);
            facts?.Learn(file, virtualSize);
            return header;
        }
    }

    /// <summary>
    /// The whole of <paramref name="message"/> with every line end CRLF (BODY[]), wherever its file is now; null when it
    /// is gone. One open and one read of the file's size; a size not read yet is the converted octets' length, not a
    /// second pass over the file (<see cref="MessageFileFacts"/>).
    /// </summary>
    public byte[]? ReadMessage(MessageRecord message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (OpenMessageHandle(message) is not { } file)
        {
            return null;
        }

        using (file)
        {
            var octets = Folders.MessageHeaderRead.ToCrlf(Folders.MessageHeaderRead.ReadAll(file, []));
            message.Facts?.Learn(file, octets.Length);
            return octets;
        }
    }

    /// <summary>A reader of message files for one command (a FETCH): three or four system calls per file.</summary>
    public MessageFileReader OpenFileReader() => new(this);

    /// <summary>Where the index last saw <paramref name="message"/>'s file (this process may have renamed it since the record was taken); null when it does not know it.</summary>
    internal (bool IsNew, string FileName)? IndexedLocation(MessageRecord message) =>
        _byUid.TryGetValue(message.Uid, out var entry) && entry.Key == message.Key ? (entry.IsNew, entry.FileName) : null;

    /// <summary>Where the file of <paramref name="key"/> is now (a listing of both directories); null when it is gone.</summary>
    internal (bool IsNew, string FileName)? Locate(string key) => Relocate(key) is { } found ? (found.IsNew, found.FileName) : null;

    /// <summary>
    /// A raw handle (no <see cref="FileStream"/>, no advice call) on <paramref name="message"/>'s file, wherever it is
    /// now: under the record's name, under the index's, else found again by its key; null when it is gone.
    /// </summary>
    private Microsoft.Win32.SafeHandles.SafeFileHandle? OpenMessageHandle(MessageRecord message)
    {
        var path = System.IO.Path.Combine(Path, message.SubDirectory, message.FileName);
        string? indexed = null;
        if (_byUid.TryGetValue(message.Uid, out var entry) && entry.Key == message.Key
            && (entry.SubDirectory != message.SubDirectory || entry.FileName != message.FileName))
        {
            indexed = System.IO.Path.Combine(Path, entry.SubDirectory, entry.FileName);
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException)
            {
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }

            if (indexed is not null)
            {
                path = indexed;
                indexed = null;
                attempt--; // the index's name is a second candidate of the same attempt, as in OpenMessage
                continue;
            }

            // Renamed by someone else (a flag change): find it by its key.
            if (Relocate(message.Key) is not { } found)
            {
                return null;
            }

            path = System.IO.Path.Combine(Path, found.SubDirectory, found.FileName);
        }

        return null;
    }

    /// <summary>Opens a message's file for <see cref="MessageFileFacts"/>, wherever it is now; null when it is gone.</summary>
    internal Microsoft.Win32.SafeHandles.SafeFileHandle? OpenMessageHandle(uint uid, string key)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            string path;
            if (attempt == 0 && _byUid.TryGetValue(uid, out var entry) && entry.Key == key)
            {
                path = System.IO.Path.Combine(Path, entry.SubDirectory, entry.FileName);
            }
            else if (Relocate(key) is { } found)
            {
                path = System.IO.Path.Combine(Path, found.SubDirectory, found.FileName);
            }
            else
            {
                return null;
            }

            try
            {
                return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException)
            {
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Drops what was waiting to go into the index or cache for an expunged UID.</summary>
    private void ForgetPending(uint uid)
    {
        _pendingSummaries.TryRemove(uid, out _);
        _pendingFetchItems.TryRemove(uid, out _);
        _pendingFacts.TryRemove(uid, out _);
    }

    /// <summary>Keeps a size and date read from a file for the index (written with the next locked operation, or once enough are pending).</summary>
    internal void RememberFacts(MessageFileFacts facts)
    {
        _pendingFacts[facts.Uid] = facts;
        FlushWhenEnoughPending();
    }

    /// <summary>Changes flags of messages (STORE), honouring UNCHANGEDSINCE; each real change gets a new mod-sequence.</summary>
    /// <exception cref="MailStoreException">TooManyKeywords.</exception>
    public async Task<FlagUpdateResult> UpdateFlagsAsync(FlagChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return await UnderLockAsync(() => UpdateFlagsLocked(change, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the messages flagged \Deleted (EXPUNGE), only those in <paramref name="uids"/> when given
    /// (UID EXPUNGE, RFC 4315). Returns the UIDs expunged, increasing.
    /// </summary>
    public Task<IReadOnlyList<uint>> ExpungeAsync(IReadOnlyCollection<uint>? uids = null, CancellationToken cancellationToken = default) =>
        UnderLockAsync(() => ExpungeLocked(uids is null ? null : new HashSet<uint>(uids), requireDeleted: true), cancellationToken);

    /// <summary>Stores a message (tmp → fsync → rename into cur/ with its flags, mtime = internal date) and gives it the next UID.</summary>
    /// <exception cref="MailStoreException">OverQuota, TooManyKeywords.</exception>
    public async Task<AppendResult> AppendAsync(Stream content, AppendRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(request);
        EnsureExists();
        var baseName = MaildirUniqueName.Next();
        var tmpPath = System.IO.Path.Combine(Path, "tmp", baseName);
        long size, virtualSize;
        try
        {
            (size, virtualSize) = await WriteTmpAsync(tmpPath, content, cancellationToken).ConfigureAwait(false);
            var date = request.InternalDate ?? DateTimeOffset.UtcNow;
            File.SetLastWriteTimeUtc(tmpPath, date.UtcDateTime);
            if (!await Mailbox.Store.HasRoomAsync(Mailbox.User, virtualSize, cancellationToken).ConfigureAwait(false))
            {
                throw new MailStoreException(MailStoreError.OverQuota, "The mailbox is over its quota.");
            }

            var pending = new PendingFile(tmpPath, MaildirUniqueName.WithSizes(baseName, size, virtualSize), request.Flags,
                request.Keywords ?? [], virtualSize, date.ToUnixTimeMilliseconds());
            var uids = await AddFilesAsync([pending], cancellationToken).ConfigureAwait(false);
            return new AppendResult(_state.UidValidity, uids[0]);
        }
        finally
        {
            TryDelete(tmpPath); // gone already when it was renamed into cur/
        }
    }

    /// <summary>Copies messages into <paramref name="target"/> with their flags and internal dates (COPY, COPYUID).</summary>
    /// <exception cref="MailStoreException">OverQuota.</exception>
    public async Task<CopyResult> CopyAsync(IReadOnlyCollection<uint> uids, MailFolder target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(target);
        target.EnsureExists();
        var state = _state;
        var messages = uids.Distinct().Order().Select(state.FindByUid).OfType<MessageRecord>().ToList();
        var total = messages.Sum(m => m.Size);
        if (total > 0 && !await Mailbox.Store.HasRoomAsync(target.Mailbox.User, total, cancellationToken).ConfigureAwait(false))
        {
            throw new MailStoreException(MailStoreError.OverQuota, "The mailbox is over its quota.");
        }

        var pending = new List<PendingFile>(messages.Count);
        var sources = new List<uint>(messages.Count);
        try
        {
            foreach (var message in messages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var baseName = MaildirUniqueName.Next();
                var tmpPath = System.IO.Path.Combine(target.Path, "tmp", baseName);
                if (!LinkOrCopy(message, tmpPath, out var size))
                {
                    continue; // expunged meanwhile: nothing to copy
                }

                pending.Add(new PendingFile(tmpPath, MaildirUniqueName.WithSizes(baseName, size, message.Size), message.Flags,
                    message.Keywords, message.Size, message.InternalDate.ToUnixTimeMilliseconds()));
                sources.Add(message.Uid);
            }

            var targetUids = pending.Count == 0 ? [] : await target.AddFilesAsync(pending, cancellationToken).ConfigureAwait(false);
            return new CopyResult(target.State.UidValidity, sources, targetUids);
        }
        finally
        {
            foreach (var file in pending)
            {
                TryDelete(file.TmpPath);
            }
        }
    }

    /// <summary>Copies then expunges the messages regardless of \Deleted (MOVE, RFC 6851).</summary>
    public async Task<CopyResult> MoveAsync(IReadOnlyCollection<uint> uids, MailFolder target, CancellationToken cancellationToken = default)
    {
        var result = await CopyAsync(uids, target, cancellationToken).ConfigureAwait(false);
        var moved = new HashSet<uint>(result.SourceUids);
        if (moved.Count > 0)
        {
            await UnderLockAsync(() => ExpungeLocked(moved, requireDeleted: false), cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Writes the summaries parsed since the last flush into <c>facteur-cache</c>.</summary>
    /// <summary>
    /// IMAP's CHECK (RFC 3501 §6.4.1: "resolving the server's in-memory state of the mailbox with the state on its
    /// disk"): what FETCHes learned and the delayed flush has not written yet goes to <c>facteur-index</c> and
    /// <c>facteur-cache</c> now.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        if (HasPending)
        {
            await FlushSummariesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal Task FlushSummariesAsync(CancellationToken cancellationToken = default) =>
        UnderLockAsync(() => FlushSummariesLocked() && WriteIndex(), cancellationToken);

    /// <summary>Forgets the in-memory copy so the next operation reads the index from disk (tests; after a rename).</summary>
    internal void Invalidate() => _loaded = false;

    internal async Task<List<uint>> AddFilesAsync(IReadOnlyList<PendingFile> files, CancellationToken cancellationToken) =>
        await UnderLockAsync(() => AddFilesLocked(files), cancellationToken).ConfigureAwait(false);

    /// <summary>The folder is on disk (its <c>cur/</c> is what every reader and writer needs).</summary>
    private bool OnDisk => Directory.Exists(System.IO.Path.Combine(Path, "cur"));

    internal void EnsureExists()
    {
        if (OnDisk)
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, "new"));
            Directory.CreateDirectory(System.IO.Path.Combine(Path, "tmp"));
            return;
        }

        if (!IsInbox)
        {
            throw new MailStoreException(MailStoreError.NonExistent, $"Folder {Name} does not exist.");
        }

        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, sub));
        }
    }

    private async Task<T> UnderLockAsync<T>(Func<T> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await WithDiskLockAsync(action, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
            FsyncOwedIndexLog();
        }
    }

    /// <summary>Takes <c>dovecot-uidlist.lock</c> (the caller holds <see cref="_gate"/>), reloads the index when another process changed it, runs <paramref name="action"/>.</summary>
    private async Task<T> WithDiskLockAsync<T>(Func<T> action, CancellationToken cancellationToken)
    {
        EnsureExists();
        DotLock diskLock;
        try
        {
            diskLock = await DotLock.AcquireAsync(System.IO.Path.Combine(Path, MaildirFolder.UidListLockFileName),
                MaildirFolder.UidListLockStaleAfter, Mailbox.Store.Options.LockTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new MailStoreException(MailStoreError.InUse, $"Folder {Name} is locked by another process.", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new MailStoreException(MailStoreError.NonExistent, $"Folder {Name} does not exist.", ex);
        }

        using (diskLock)
        {
            var before = _state;
            var freshness = _loaded ? _index.CheckFreshness(IndexPath) : IndexFreshness.Stale;
            if (freshness == IndexFreshness.Behind && _index.CatchUp(IndexPath))
            {
                // Another process appended to the log: only its new records were read.
                _byUid = UidTable.Of(_index.Entries);
                _keywords = DovecotKeywords.Read(Path);
                _knownCur = null; // the entries are the other process's now: one full listing matches them to the files
                Publish();
            }
            else if (freshness != IndexFreshness.Current)
            {
                LoadIndex();
                if (_loaded && _index.Entries.Count == 0 && _index.UidValidity == 0)
                {
                    SyncLocked(cancellationToken);
                }
            }

            _verified = null; // set again by a sync that finds everything settled
            var result = action();
            if (_state.HighestModSeq != before.HighestModSeq || _state.UidValidity != before.UidValidity)
            {
                Signal();
            }

            return result;
        }
    }

    private void LoadIndex()
    {
        // Everything a load makes survives it (an entry and a record per line, the UID table), as in a first sync:
        // no collection in the middle of a large one (CollectionPause). About four times the base's bytes covers it.
        var baseLength = FolderIndexFile.Length(IndexPath);
        using var pause = baseLength >= CollectionPauseFromIndexBytes ? CollectionPause.For((baseLength * 4) + (16L << 20)) : default;
        var read = FolderIndexFile.Read(IndexPath);
        if (read is null)
        {
            // Missing or corrupt: rebuilt from the Maildir by the sync that follows. Mod-sequences
            // restart above anything handed out before (they only ever grow, RFC 7162 §3.1), using
            // the clock as a floor since the old values are lost. Microseconds, not milliseconds: a
            // folder takes more than one change per millisecond (a STORE 1:* is one per message), so a
            // millisecond floor taken soon after could fall below values already handed out; a
            // microsecond one stays ahead unless a folder sustained over a million changes a second.
            var clock = (ulong)((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond);
            var floor = Math.Max(_index.HighestModSeq, clock);
            _index = new FolderIndexFile { HighestModSeq = floor, ExpungeFloor = floor };
            TryDelete(CachePath); // its offsets were in the lost index: start the cache afresh
        }
        else
        {
            _index = read;
        }

        _byUid = UidTable.Of(_index.Entries);
        // UIDNEXT starts above every UID the index has given; the uidlist's first line may raise it, never lower it.
        // An APPEND fsyncs its list record and its index entry side by side (AddFilesLocked): a crash between the two
        // can leave the entry without the record, and that UID, never announced, is not given again either.
        _uidNext = HighestUidKnown() + 1;
        _keywords = DovecotKeywords.Read(Path);
        _verified = null;
        _knownCur = null;
        _loaded = true;
        if (read is null)
        {
            _index.UidValidity = 0; // forces the full reconcile in SyncLocked
        }

        Publish();
    }

    // The first sync of a folder (a cold SELECT) runs this once over every file. With tiered compilation its
    // loops ran tier-0 code and were recompiled on the stack (OSR) in the middle of that SELECT, and the
    // per-file callees (Scan, Publish, the record builders, the uidlist and index writers) ran
    // tier-0 code throughout: `DOTNET_JitDisasmSummary` of one cold SELECT of 10,000 listed five OSR
    // compiles of these methods. Compiled optimized on first use instead (the server's first sync of any
    // folder), they cost nothing at the SELECT that needs them; they lose only dynamic PGO.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool SyncLocked(CancellationToken cancellationToken)
    {
        // Taken before listing: a change made during the scan leaves a newer mtime, seen next time. The clock
        // before the stamp: a time settled by it stays settled for every change made after the read.
        var stampReadUtc = DateTime.UtcNow;
        var stamp = DirectoryStamp.Read(Path, UidListPath);
        // Our own stamp (after our renames, or of our last listing) still unchanged: its content is what we
        // hold, so no listing until it settles; then one listing catches a change another program made in
        // the same mtime tick (Dovecot's MAILDIR_SYNC_SECS does the same with 1 s). A SELECT right after the
        // one that built the index was relisting 10,000 names for nothing. A listing made while new/ and
        // cur/ were settled already (OwnStamp.Complete) needs no second look at all: see TrustSettledListing.
        var own = _ownStamp is { } o && o.Stamp == stamp && (stampReadUtc < o.VerifyByUtc || o.Complete) ? o : null;
        if (own is { Complete: true } && stampReadUtc >= own.VerifyByUtc)
        {
            own = null;
            TrustSettledListing(stamp, stampReadUtc);
        }

        if (_loaded && _index.UidValidity != 0 && (_index.Stamp == stamp || own is not null) && File.Exists(IndexPath))
        {
            // Nothing was added, renamed or deleted since the index was last checked. UIDNEXT is the
            // uidlist's (a process that only loaded the index has not read it yet): its first line.
            if (ReadUidListHeader() is { } header && header.UidValidity == _index.UidValidity && header.NextUid > _uidNext)
            {
                _uidNext = header.NextUid;
                Publish();
            }

            // What is written here is what this process learned (sizes, dates, cache offsets) and the stamp:
            // nothing the files and the uidlist cannot give back, as a listing's batch. So its fsync runs after
            // the lock is released (FsyncOwedIndexLog), off the reply of the command this sync ends — after a
            // header FETCH of 100,000, the last of its file facts. A STORE/EXPUNGE/APPEND batch after it is
            // fsynced before its reply and covers this one.
            if ((FlushSummariesLocked() || _index.HasChanges) && _index.Save(IndexPath, flushLog: false))
            {
                Volatile.Write(ref _indexLogFsyncOwed, 1);
            }

            _verified = new VerifiedStamp(stamp, own?.VerifyByUtc);
            return false;
        }

        var knownCur = KnownCurAt(stamp); // read before the own stamp is dropped: it may be what knows cur/
        _ownStamp = null; // the listing below decides afresh
        var modSeqBefore = _index.HighestModSeq;

        if (knownCur is { } known && _loaded && _index.UidValidity != 0 && File.Exists(IndexPath))
        {
            // Past the trust, one look at cur/ (StartCurLookLocked says why): here, before this sync's reply, unless
            // new/ has just changed — a delivery, which IDLE sessions are waiting to hear of: then on a pool thread,
            // while this sync and the next ones list new/ alone.
            DateTime? trustedUntil = known.TrustUntilUtc;
            var deferred = false;
            if (stampReadUtc >= known.TrustUntilUtc)
            {
                if (stamp.NewTicks >= (stampReadUtc - DirectoryStamp.SettleTime).Ticks)
                {
                    StartCurLookLocked(known);
                    deferred = true;
                }
                else
                {
                    trustedUntil = CurListingMatches(IndexCurNames()) ? DateTime.MaxValue : null; // cur/ had settled
                }
            }

            if (trustedUntil is { } until && SyncNewLocked(stamp, stampReadUtc, until, modSeqBefore, curUnverified: deferred) is { } newOnly)
            {
                return newOnly;
            }
        }

        _knownCur = null; // set again below from this listing
        FullSyncs++;
        var document = ReadUidList();
        // Written whole when it is new or loses records, or gains some but cannot take appends (version 1,
        // a damaged line); new files alone are appended.
        var rewriteUidList = document is null;
        var canAppend = document is { CanAppend: true };
        document ??= UidListDocument.CreateNew(DateTimeOffset.UtcNow);
        if (document.UidValidity == _index.UidValidity && _uidNext > document.NextUid)
        {
            document.NextUid = _uidNext; // the index gave UIDs the list lost (see LoadIndex)
        }

        // A first sync of many files (no index yet) makes an index entry, a record and a uidlist line per
        // file, all kept: no collection in the middle of it (CollectionPause says why). 768 B a file and 4 MB
        // more cover them and the tables over them (CollectionPauseBytesPerFile says how that was sized). Started by
        // the listing once it has counted the names and before it makes them (ScanPausing): started after
        // them, the pause began with a collection of what the listing had just made, and when the listing's
        // large tables had started a background collection, it first waited for that one to end — ≈ 55–75 ms
        // of a cold SELECT of 10,000 in most runs (2026-12-02, a probe build's GC counters around each step).
        // Without a record to match (no uidlist yet: a first sync), every file listed is new and only needs its
        // place in key order: no dictionary of the names (ScanInKeyOrderPausing says why).
        var firstSync = _index.Entries.Count == 0;
        CollectionPause started;
        Dictionary<string, DiskFile>? onDisk = null;
        DiskFile[]? inKeyOrder = null;
        if (document.Records.Count == 0)
        {
            inKeyOrder = ScanInKeyOrderPausing(firstSync, out started);
        }
        else
        {
            onDisk = ScanPausing(firstSync, out started);
        }

        using var pause = started;
        // keptFiles[i] is the listing's file of kept[i]: BuildEntries takes it from here instead of looking
        // every key up again (a first sync of 100,000: the second lookup was ≈ 7 % of its CPU, cache misses
        // in a dictionary in readdir order walked in UID order).
        var capacity = Math.Max(document.Records.Count, onDisk?.Count ?? inKeyOrder!.Length);
        var kept = new List<UidListRecord>(capacity);
        var keptFiles = new List<DiskFile>(capacity);
        // Each record takes its file out of the listing, so what is left is exactly the new files. One lookup per
        // record: a check of every record first and a set of the keys seen made it three more, ≈ 40 % of a
        // 100,000-message sync between the listing and the entries (probe, 2026-11-30) — on every delivery's wake.
        if (onDisk is not null && !TakeFiles(document.Records, onDisk, kept, keptFiles))
        {
            // A record without its file: gone, or hidden from this listing by a concurrent rename (flags, new/ →
            // cur/), or a second record of one key. Look again, then take what is there; a record still without
            // a file (gone, or the key's file already taken) is dropped and the list rewritten without it.
            for (var i = 0; i < kept.Count; i++)
            {
                onDisk.Add(kept[i].Key, keptFiles[i]);
            }

            kept.Clear();
            keptFiles.Clear();
            foreach (var (key, entry) in Scan())
            {
                onDisk.TryAdd(key, entry);
            }

            rewriteUidList |= !TakeFiles(document.Records, onDisk, kept, keptFiles);
        }

        // New files get UIDs in ordinal name order (Maildir names start with the delivery time, so older mail gets lower UIDs).
        DiskFile[] unseen;
        if (onDisk is null)
        {
            unseen = inKeyOrder!;
        }
        else
        {
            unseen = new DiskFile[onDisk.Count];
            onDisk.Values.CopyTo(unseen, 0);
            OrdinalKeyOrder.Sort(unseen, unseen.Length, static file => file.KeySpan);
        }

        var count = unseen.Length;
        var appended = new List<UidListRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var record = unseen[i].RecordFor(document.NextUid++);
            kept.Add(record);
            keptFiles.Add(unseen[i]);
            appended.Add(record);
        }

        rewriteUidList |= appended.Count > 0 && !canAppend;
        var uidListChanged = rewriteUidList || appended.Count > 0;

        _uidNext = document.NextUid;
        var indexChanged = false;
        if (_index.UidValidity != document.UidValidity)
        {
            // New UIDVALIDITY (or a rebuild): every UID is new to clients.
            _index.Entries.Clear();
            lock (_index.Expunged)
            {
                _index.Expunged.Clear();
            }

            _index.UidValidity = document.UidValidity;
            _staleListUids.Clear();
            _index.RequireRewrite();
            indexChanged = true;
        }

        Task? uidListWrite = null;
        if (rewriteUidList)
        {
            // Written before the index that refers to its UIDs (below), under the same lock. A whole list of
            // many records (a first sync: 100,000) is written and fsynced on another thread while this one
            // builds the index entries (2 cores); it is waited for before anything is published, so no UID is
            // announced before it is durable (RFC 3501 §2.3.1.1), and before the lock can be released.
            document.Records.Clear();
            document.Records.AddRange(kept);
            _staleListUids.Clear(); // only records with files are written
            if (kept.Count >= ConcurrentRewriteFrom)
            {
                uidListWrite = Task.Run(() => AtomicFile.Write(UidListPath, document.WriteTo), CancellationToken.None);
            }
            else
            {
                AtomicFile.Write(UidListPath, document.WriteTo);
            }
        }

        var entries = new List<IndexEntry>(kept.Count);
        Dictionary<uint, IndexEntry> previous;
        try
        {
            previous = BuildEntries(kept, keptFiles, entries, ref indexChanged, cancellationToken);
        }
        finally
        {
            // Never past this point with the write still running: if it failed, nothing is published; and
            // another process that took the lock next must not have its own list renamed over by this one.
            uidListWrite?.GetAwaiter().GetResult();
        }

        if (!rewriteUidList && appended.Count > 0)
        {
            // Only new files (a delivery, the IDLE wake path): their records go at the end, as Dovecot
            // appends them, flushed before anyone is told of their UIDs.
            UidListDocument.AppendTo(UidListPath, appended);
        }

        foreach (var gone in previous.Values.OrderBy(e => e.Uid))
        {
            AddExpunged(gone.Uid);
            ForgetPending(gone.Uid);
            indexChanged = true;
        }

        _index.Entries = entries;
        _byUid = UidTable.Of(entries);
        // What the next sync may take as known without listing cur/ again (SyncNewLocked): when cur/ had settled before
        // this listing, any later change to it moves its time, for good; when it had not (a STORE, an APPEND, a
        // delivery moved to cur/ just before), a change in the same tick of a coarse clock could hide from this
        // listing, so that trust ends when the tick settles and one look at cur/ then checks it (StartCurLookLocked) —
        // as a STORE's own stamp (OwnStamp). The uidlist is this sync's own write under the lock, or had settled.
        var settledBefore = (stampReadUtc - DirectoryStamp.SettleTime).Ticks;
        DateTime? curTrustedUntil = !uidListChanged && stamp.UidListTicks >= settledBefore ? null
            : stamp.CurTicks < settledBefore ? DateTime.MaxValue
            : new DateTime(stamp.CurTicks, DateTimeKind.Utc) + DirectoryStamp.SettleTime;
        return FinishSyncLocked(stamp, stampReadUtc, uidListChanged, canAppend || rewriteUidList, curTrustedUntil, curUnverified: false, indexChanged, modSeqBefore);
    }

    /// <summary>
    /// The end of a sync that listed the directories (<see cref="SyncLocked"/>, <see cref="SyncNewLocked"/>), once the
    /// entries are in place: the stamps that let the next syncs skip listing, the published state, the waiters'
    /// signal and the index batch. <paramref name="listAppendable"/>: the uidlist as this sync leaves it takes appends;
    /// <paramref name="curTrustedUntil"/>: until when cur/ and the uidlist as this sync found them can be trusted by
    /// the next one (<see cref="KnownCur"/>), null when not at all. <paramref name="curUnverified"/>: cur/ was taken as
    /// known while the look that checks it still runs (<see cref="LookAtCurAsync"/>): no stamp of this sync is trusted
    /// for good or marked complete (its new/ had just changed, so neither would be unless the sync outlasted the settle
    /// time; said here so that nothing rests on that).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private bool FinishSyncLocked(DirectoryStamp stamp, DateTime stampReadUtc, bool uidListChanged, bool listAppendable, DateTime? curTrustedUntil,
        bool curUnverified, bool indexChanged, ulong modSeqBefore)
    {
        indexChanged |= FlushSummariesLocked();

        if (uidListChanged)
        {
            stamp = stamp with
            {
                UidListTicks = File.GetLastWriteTimeUtc(UidListPath).Ticks,
                UidListSize = new FileInfo(UidListPath).Length,
            };
        }

        DirectoryStamp? trusted = !curUnverified && stamp.IsSettled(DateTime.UtcNow) ? stamp : null;
        if (trusted != _index.Stamp)
        {
            _index.Stamp = trusted;
            indexChanged = true;
        }

        _verified = trusted is { } settled ? new VerifiedStamp(settled) : null;
        // Too recent to trust for a sync (a delivery in the same instant could hide), but a STORE that
        // finds the directories still so may chain its own stamp to this listing (see UpdateFlagsLocked).
        // Complete: new/ and cur/ were settled before the listing, and the uidlist's time is settled or our own
        // write under the lock (TrustSettledListing).
        var complete = !curUnverified && stamp.DirectoriesSettled(stampReadUtc) && (uidListChanged || stamp.IsSettled(stampReadUtc));
        _ownStamp = trusted is null
            ? new OwnStamp(stamp, DateTime.UtcNow + DirectoryStamp.SettleTime, AfterRenames: false, complete, CurKnown: curTrustedUntil is not null)
            : null;
        if (trusted is null && complete)
        {
            TrustWhenSettled();
        }
        _knownCur = curTrustedUntil is { } until ? new KnownCur(stamp.CurTicks, stamp.UidListTicks, stamp.UidListSize, until) : null;
        _appendableList = listAppendable ? new ListStamp(stamp.UidListTicks, stamp.UidListSize) : null;
        if (!File.Exists(IndexPath))
        {
            _index.RequireRewrite();
        }

        var saveIndex = indexChanged || _index.HasChanges;
        // A whole new base of many entries (a first sync) is formatted, written and fsynced on another thread
        // while this one builds the folder's state from the same entries (2 cores): the writer reads the
        // entries' index fields, Publish reads them too and sets only their Record and Facts. Waited for
        // before the lock is released, as before.
        var indexWrite = saveIndex && _index.RewriteOwed && _index.Entries.Count >= ConcurrentRewriteFrom
            ? Task.Run(() => _index.Save(IndexPath, flushLog: false), CancellationToken.None)
            : null;
        bool logFsyncOwed;
        try
        {
            Publish();

            if (_state.HighestModSeq != modSeqBefore)
            {
                // Waiters (IDLE) wake before the index is written: the UIDs they will announce are durable
                // already (the uidlist above is fsynced before its rename, RFC 3501 §2.3.1.1), and this batch
                // holds only what the listing found — files added, renamed or gone — which the uidlist and the
                // files give back: a power loss that costs the batch makes the next sync find the same changes
                // again and give the new files the same UIDs. So its fsync runs after the lock is released
                // (FsyncOwedIndexLog); a batch of this process's own STORE/EXPUNGE/APPEND is fsynced as before,
                // and that fsync covers every batch appended before it.
                Signal();
            }
        }
        finally
        {
            logFsyncOwed = indexWrite is not null && indexWrite.GetAwaiter().GetResult();
        }

        if (indexWrite is null && saveIndex && _index.Save(IndexPath, flushLog: false))
        {
            logFsyncOwed = true;
        }

        if (logFsyncOwed)
        {
            Volatile.Write(ref _indexLogFsyncOwed, 1);
        }

        if (indexChanged)
        {
            Mailbox.InvalidateQuota();
        }

        return indexChanged;
    }

    /// <summary>
    /// The index entries of <paramref name="kept"/> (the uidlist's records of files on disk, in UID order; their
    /// files in <paramref name="keptFiles"/>, at the same positions) into <paramref name="entries"/>: an entry the
    /// index had is kept (renamed or re-flagged if the listing says so), any other is new. Returns the entries the
    /// index had that are no longer there, by UID.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private Dictionary<uint, IndexEntry> BuildEntries(List<UidListRecord> kept, List<DiskFile> keptFiles,
        List<IndexEntry> entries, ref bool indexChanged, CancellationToken cancellationToken)
    {
        _keywords = DovecotKeywords.Read(Path);
        var previous = _index.Entries.ToDictionary(e => e.Uid);
        for (var i = 0; i < kept.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = kept[i];
            var disk = keptFiles[i];
            if (previous.Remove(record.Uid, out var entry) && entry.Key == record.Key)
            {
                if (entry.FileName != disk.FileName || entry.IsNew != disk.IsNew)
                {
                    if (InfoDiffers(entry.FileName, disk.FileName))
                    {
                        entry.ModSeq = ++_index.HighestModSeq; // changed by another process or program
                    }

                    entry.FileName = disk.FileName;
                    entry.IsNew = disk.IsNew;
                    entry.Record = null;
                    _index.MarkChanged(entry);
                    indexChanged = true;
                }

                entries.Add(entry);
                continue;
            }

            if (entry is not null)
            {
                previous[entry.Uid] = entry; // same UID, other file: the old one is gone
            }

            entries.Add(NewEntry(record, disk));
            indexChanged = true;
        }

        return previous;
    }

    /// <summary>
    /// The index entry of a file new to the index, with the next mod-sequence. Indexed from the listing alone, as
    /// Dovecot does: the size comes from the name's ,W= or the uidlist's W when there is one; otherwise it and the
    /// internal date (the mtime) are read from the file on first use (MessageFileFacts). A first SELECT of 100,000
    /// files neither stats nor reads one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private IndexEntry NewEntry(UidListRecord record, DiskFile disk)
    {
        long? size = MaildirEntryName.VirtualSizeOfKey(record.KeySpan);
        if (size is null && record.Extension('W') is { } w && long.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out var listed))
        {
            size = listed;
        }

        var added = new IndexEntry
        {
            Uid = record.Uid,
            KnownKey = record.KnownKey, // a first sync's record has no key string: the entry cuts one from its name if asked
            FileName = disk.FileName,
            IsNew = disk.IsNew,
            ModSeq = ++_index.HighestModSeq,
            Size = size ?? -1,
            InternalDateMs = MessageFileFacts.UnknownDateMs,
        };
        _index.MarkChanged(added);
        return added;
    }

    /// <summary>
    /// cur/ and the uidlist as this process knows them, when <paramref name="stamp"/> still shows them: from its last
    /// listing (<see cref="_knownCur"/>), or from its own changes since — a STORE's renames, an APPEND, an EXPUNGE on a
    /// chain rooted in a known state (<see cref="OwnStamp.CurKnown"/>) — when only new/ moved after them (a delivery).
    /// Without the second, the first delivery after a client's own STORE, APPEND or EXPUNGE was found by a full sync of
    /// the folder, which in 100,000 messages under SMTP load can take 0.7 s of an IDLE wake (docs/README-perf.md).
    /// </summary>
    private KnownCur? KnownCurAt(DirectoryStamp stamp)
    {
        if (_knownCur is { } known && known.Matches(stamp))
        {
            return known;
        }

        if (_ownStamp is not { CurKnown: true } own)
        {
            return null;
        }

        // Until cur/'s last tick settles: every change of the chain was in that tick or an earlier one, and no other
        // change showed between them (each link found the directories as the one before left them).
        var until = new DateTime(own.Stamp.CurTicks, DateTimeKind.Utc) + DirectoryStamp.SettleTime;
        var mine = new KnownCur(own.Stamp.CurTicks, own.Stamp.UidListTicks, own.Stamp.UidListSize, until);
        return mine.Matches(stamp) ? mine : null;
    }

    /// <summary>The look at cur/ started last (<see cref="LookAtCurAsync"/>); tests wait for it.</summary>
    internal Task CurLook => _curLook;

    /// <summary>
    /// Starts the look at cur/ that ends <paramref name="known"/>'s trust, unless one is running: the index's cur/ names
    /// are copied here, under the lock, and compared with a listing on a pool thread (<see cref="LookAtCurAsync"/>).
    /// Once the tick of cur/'s last change has settled, one look at cur/ must catch a change another program made in
    /// that same tick (a coarse clock cannot tell it from ours; Dovecot waits 1 s for the same reason). That look was a
    /// full sync, which also parses the whole uidlist and makes a record, a key and a name per message: in 100,000
    /// messages under SMTP load it held an IDLE wake for 650 ms, and the listing and comparison alone took 300–800 ms
    /// there, so a sync for a delivery does not wait for them (docs/README-perf.md, stop 28).
    /// </summary>
    private void StartCurLookLocked(KnownCur known)
    {
        if (!_curLook.IsCompleted)
        {
            return;
        }

        var names = IndexCurNames();
        _curLook = Task.Run(() => LookAtCurAsync(known, names));
    }

    /// <summary>The names the index has in cur/.</summary>
    private List<string> IndexCurNames()
    {
        var names = new List<string>(_index.Entries.Count);
        foreach (var entry in _index.Entries)
        {
            if (!entry.IsNew)
            {
                names.Add(entry.FileName);
            }
        }

        return names;
    }

    /// <summary>
    /// Compares cur/ with <paramref name="names"/> (the index's names there when <paramref name="known"/> was taken), off
    /// the lock; then, under it: the same, and cur/ still at that time → <paramref name="known"/> holds for good (any later
    /// change moves cur/'s time); different, or unreadable → nothing this process knew of cur/ holds any more, and a sync is
    /// asked for, which lists everything.
    /// </summary>
    private async Task LookAtCurAsync(KnownCur known, List<string> names)
    {
        bool same;
        try
        {
            same = CurListingMatches(names);
        }
        catch (IOException)
        {
            same = false;
        }
        catch (UnauthorizedAccessException)
        {
            same = false;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!same)
            {
                _knownCur = null;
                _ownStamp = null;
                _verified = null;
                _index.Stamp = null; // never trusted while the look ran (FinishSyncLocked), but nothing of cur/ is now
            }
            else if (_knownCur is { } current && current.CurTicks == known.CurTicks
                && DirectoryStamp.Read(Path, UidListPath).CurTicks == known.CurTicks)
            {
                // cur/ alone was looked at: the uidlist's time and size are the later syncs' own appends under the
                // lock (a delivery's sync appends), which the known state already follows.
                _knownCur = current with { TrustUntilUtc = DateTime.MaxValue };
            }
        }
        catch (IOException)
        {
            // The stamp could not be read: nothing is known, and the sync asked for below lists everything.
            _knownCur = null;
            same = false;
        }
        finally
        {
            _gate.Release();
        }

        if (!same)
        {
            RequestSync();
        }
    }

    /// <summary>
    /// Whether cur/ holds exactly <paramref name="names"/>: every listed name the full listing would take
    /// (<see cref="DiskFile.FromName"/>) is one of them, and as many. Names in a directory are unique, so equal counts
    /// and no stranger mean equal sets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private bool CurListingMatches(List<string> names)
    {
        var expected = new HashSet<string>(names.Count, StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!expected.Add(name))
            {
                return false;
            }
        }

        var lookup = expected.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> chars = stackalloc char[512]; // a name is at most 255 bytes, so at most 255 UTF-16 units
        var listed = 0;
        using var listing = DirectoryListing.Read(System.IO.Path.Combine(Path, "cur"));
        foreach (var name in listing)
        {
            // Decoded as DiskFile.FromName decodes it (invalid bytes replaced alike), so the same name compares equal.
            var fileName = chars[..Encoding.UTF8.GetChars(name, chars)];
            if (fileName.IsEmpty || fileName[0] == ':')
            {
                continue; // no key: the full listing skips it too
            }

            if (!lookup.Contains(fileName))
            {
                return false;
            }

            listed++;
        }

        return listed == expected.Count;
    }

    /// <summary>
    /// The sync of a folder whose cur/ and uidlist are as this process last knew them (<see cref="KnownCur"/>), so only
    /// new/ can have changed: new/ alone is listed and its new files get UIDs appended to the uidlist, as Dovecot's
    /// maildir sync skips cur/ while its mtime is unchanged. Every IDLE wake after a delivery is such a sync: in a
    /// 100,000-message folder the full one parsed the whole uidlist and listed cur/ (200–400 ms under SMTP load,
    /// bench/results/imap-idle-on-corpus-2026-11-30T1853Z.md). Anything else new/ shows — a file the index has there
    /// gone or renamed (moved to cur/ by a program in the same tick, deleted), two names of one key — returns null,
    /// and the full sync decides, as before. A new/ file whose key the index has in cur/ (a copy made by hand) gets a
    /// UID of its own here; the next full sync drops that record again, as it does any second record of a key.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private bool? SyncNewLocked(DirectoryStamp stamp, DateTime stampReadUtc, DateTime curTrustedUntil, ulong modSeqBefore, bool curUnverified)
    {
        var listed = new Dictionary<string, DiskFile>(StringComparer.Ordinal);
        using (var listing = DirectoryListing.Read(System.IO.Path.Combine(Path, "new")))
        {
            foreach (var name in listing)
            {
                if (DiskFile.FromName(name, isNew: true, cutKey: true) is { } file && !listed.TryAdd(file.Key, file))
                {
                    return null;
                }
            }
        }

        foreach (var entry in _index.Entries)
        {
            if (entry.IsNew && !(listed.Remove(entry.Key, out var file) && file.FileName == entry.FileName))
            {
                return null;
            }
        }

        var count = listed.Count;
        var appendable = _appendableList == new ListStamp(stamp.UidListTicks, stamp.UidListSize);
        if (count > 0 && !appendable)
        {
            return null; // the full sync rewrites a list that cannot take appends
        }

        var indexChanged = false;
        if (count > 0)
        {
            // The list is as this process left it, but its first line and tail are read again rather than trusting
            // _uidNext: the UIDs must follow the file's, whatever set the field since.
            if (ReadUidListHeader() is not { } header || header.UidValidity != _index.UidValidity)
            {
                return null;
            }

            var unseen = new DiskFile[count];
            listed.Values.CopyTo(unseen, 0);
            OrdinalKeyOrder.Sort(unseen, count, static file => file.KeySpan);
            var nextUid = header.NextUid;
            var appended = new UidListRecord[count];
            for (var i = 0; i < count; i++)
            {
                appended[i] = unseen[i].RecordFor(nextUid++);
            }

            // Flushed before anyone is told of their UIDs (RFC 3501 §2.3.1.1), as in SyncLocked, and before the index
            // holds them. Should it fail, nothing is known any more: the next sync is a full one.
            _knownCur = null;
            UidListDocument.AppendTo(UidListPath, appended);
            _uidNext = nextUid;
            var added = new IndexEntry[count];
            for (var i = 0; i < count; i++)
            {
                var entry = added[i] = NewEntry(appended[i], unseen[i]);
                _index.Entries.Add(entry); // above every UID the index has: the list stays in UID order
            }

            _byUid = _byUid.With(added);
            indexChanged = true;
        }

        return FinishSyncLocked(stamp, stampReadUtc, uidListChanged: count > 0, appendable, curTrustedUntil, curUnverified, indexChanged, modSeqBefore);
    }

    // A STORE 1:* runs this loop and its per-message callees (MaildirInfo, FolderRenames, NewRecord) once per
    // message. Tiered, the first such STOREs of a process ran them as tier-0 code while the tier-1 queue was still
    // busy with what the FETCHes before made hot: ≈ 30 % more CPU on the command's thread than once warm
    // (docs/README-perf.md, "STORE 1:* and POP3 LIST, stop 19"). Compiled optimized on first call instead.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private FlagUpdateResult UpdateFlagsLocked(FlagChange change, CancellationToken cancellationToken)
    {
        var requested = change.Keywords;
        var letters = new StringBuilder();
        var keywordsAdded = false;
        foreach (var keyword in requested)
        {
            if (change.Mode == FlagChangeMode.Remove)
            {
                if (_keywords.LetterOf(keyword) is { } existing)
                {
                    letters.Append(existing);
                }

                continue;
            }

            var known = _keywords.LetterOf(keyword);
            var letter = known ?? _keywords.GetOrAdd(keyword)
                ?? throw new MailStoreException(MailStoreError.TooManyKeywords, "No more keywords can be defined in this folder.");
            keywordsAdded |= known is null;
            letters.Append(letter);
        }

        if (keywordsAdded)
        {
            _keywords.Write(Path);
        }

        var changeFlags = FlagLetters.ToMaildirFlags(change.Flags);
        var changeLetters = MaildirInfo.LetterSet(letters.ToString());
        var uids = change.Uids.Distinct().Order().ToList();
        var modified = new List<uint>();
        var anyChange = false;

        // When the directories are as this process last verified them, the stamp right after its own
        // renames can stand in for a listing (OwnStamp): the sync that follows this STORE then lists
        // nothing. Trusted only until the first such stamp settles, so a change by another program that
        // hid in the same instant (a coarse mtime cannot tell it from ours) is found by a listing then.
        var before = DirectoryStamp.Read(Path, UidListPath);
        var now = DateTime.UtcNow;
        var verifyBy = OwnChainDeadline(before, now, out var startsChain, out var curKnown);
        var renamed = false;
        var movedFromNew = false;
        var surprised = false; // the index did not match the files: let the next sync list them

        // First every new name and mod-sequence, into the index; then the batch that records them (F records
        // in the log, or a new base when one is due) is written and fsynced on another thread while the
        // renames are made — a STORE 1:* was the renames, then the batch and its fsync, one after the other.
        // What a power loss can leave: a durable F record whose rename did not
        // happen (or did not reach the disk — the renames are not fsynced, as before). The batch also
        // clears the directory stamp (D -), so the index read after a crash never trusts the directories
        // and the next sync lists them: it finds the file under its old info, unlike the index, and gives
        // it a mod-sequence above the batch's C line (InfoDiffers in SyncLocked) — a mod-sequence a client
        // saw is never handed out again for other flags (RFC 7162 §3.1.1). Names are the truth.
        var planned = new List<PlannedRename>(uids.Count);
        var slow = new List<IndexEntry>(); // names already as wanted (their file is checked), renames that failed
        foreach (var uid in uids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_byUid.TryGetValue(uid, out var entry))
            {
                continue;
            }

            if (change.UnchangedSince is { } since && entry.ModSeq > since)
            {
                modified.Add(uid); // RFC 7162 §3.1.3: changed since the client looked
                continue;
            }

            var info = MaildirInfo.Parse(entry.FileName, out var keyLength);
            var wanted = Wanted(change.Mode, info, changeFlags, changeLetters);
            var newName = wanted.FileName(entry.FileName, keyLength);
            if (ReferenceEquals(newName, entry.FileName) && !entry.IsNew)
            {
                slow.Add(entry);
                continue;
            }

            planned.Add(new PlannedRename(entry, entry.FileName, entry.IsNew));
            if (wanted != info)
            {
                entry.ModSeq = ++_index.HighestModSeq;
            }

            entry.FileName = newName;
            entry.IsNew = false;
            entry.Record = NewRecord(entry, wanted);
            _index.MarkFlagsChanged(entry);
            anyChange = true;
        }

        var write = planned.Count == 0 ? null : WriteFlagBatch(overlap: planned.Count >= OverlappedWriteFrom);
        var failed = new List<(PlannedRename Rename, RenameOutcome Outcome)>();
        var gone = new HashSet<uint>();
        using (var renames = new FolderRenames(Path))
        {
            // No cancellation from here on: the index already holds the new names. Nothing here touches the
            // index while its batch is being written: a rename that fails is dealt with after the wait.
            try
            {
                foreach (var rename in planned)
                {
                    var outcome = renames.Rename(rename.FromNew, rename.OldName, rename.Entry.FileName);
                    if (outcome == RenameOutcome.Renamed)
                    {
                        renamed = true;
                        movedFromNew |= rename.FromNew;
                    }
                    else
                    {
                        failed.Add((rename, outcome));
                    }
                }
            }
            catch
            {
                // A rename that threw (EACCES, EROFS, …): the batch in flight finishes before the lock is
                // released, and the index, which holds names not all made, is read again.
                write?.Join();
                Invalidate();
                throw;
            }

            if (write is not null)
            {
                try
                {
                    write.Wait(); // the batch is durable before the reply, as before
                }
                catch
                {
                    Invalidate(); // the index is read again (and the directories listed) by the next operation
                    throw;
                }
            }

            foreach (var (rename, outcome) in failed)
            {
                // Renamed or expunged by another program meanwhile (or a name already taken): the entry is put
                // back to the file found, with a mod-sequence above the logged one when its info differs
                // (RelocateEntry), and the change is tried again on the careful path.
                surprised = true;
                var entry = rename.Entry;
                if (outcome == RenameOutcome.TargetExists)
                {
                    var taken = entry.FileName;
                    entry.FileName = rename.OldName;
                    entry.IsNew = rename.FromNew;
                    entry.ModSeq = ++_index.HighestModSeq;
                    entry.Record = null;
                    _index.MarkChanged(entry);
                    _ownStamp = null;
                    _verified = null;
                    WriteIndex();
                    Publish();
                    throw new IOException($"{taken} already exists beside {rename.OldName} in {Path}.");
                }

                if (!RelocateEntry(entry, ref anyChange))
                {
                    gone.Add(entry.Uid);
                    continue;
                }

                slow.Add(entry);
            }

            foreach (var entry in slow)
            {
                if (!StoreOne(entry, change.Mode, changeFlags, changeLetters, renames, ref anyChange, ref surprised, ref renamed, ref movedFromNew))
                {
                    gone.Add(entry.Uid);
                }
            }
        }

        if (startsChain && renamed)
        {
            // The chain's first stamp is the one after these renames: trusted until it settles, counted from
            // now. From the start instead, a STORE longer than the settle time (1:* on 100,000 messages takes
            // seconds) would have its listing of cur/ right after it, for nothing.
            verifyBy = DateTime.UtcNow + DirectoryStamp.SettleTime;
        }

        if (renamed || surprised)
        {
            var after = DirectoryStamp.Read(Path, UidListPath);
            _ownStamp = verifyBy is { } by && !surprised
                && (after.NewTicks == before.NewTicks || movedFromNew)
                && after.UidListTicks == before.UidListTicks && after.UidListSize == before.UidListSize
                ? new OwnStamp(after, by, AfterRenames: true, CurKnown: curKnown)
                : null;
        }

        if (anyChange || _index.HasChanges)
        {
            WriteIndex(); // the slow path's changes (nothing when every rename went as planned), fsynced
        }

        if (renamed && _ownStamp is { AfterRenames: true } mine
            && ReadUidListHeader() is { } header && header.UidValidity == _index.UidValidity)
        {
            // What the sync after this STORE would conclude (as its unchanged-stamp path does, UIDNEXT from
            // the uidlist's first line), without taking the lock once more for it.
            _uidNext = Math.Max(_uidNext, header.NextUid);
            _verified = new VerifiedStamp(mine.Stamp, mine.VerifyByUtc);
        }

        Publish();
        var results = new List<MessageFlagsState>(uids.Count - modified.Count);
        var skipped = modified.Count == 0 ? null : new HashSet<uint>(modified);
        foreach (var uid in uids)
        {
            if (_byUid.TryGetValue(uid, out var entry) && skipped?.Contains(uid) != true && !gone.Contains(uid))
            {
                var record = ToRecord(entry);
                results.Add(new MessageFlagsState(uid, record.Flags, record.Keywords, record.ModSeq));
            }
        }

        return new FlagUpdateResult(results, modified, _state);
    }

    /// <summary>
    /// Writes the planned flag changes as one index batch (log or, when due, a new base), fsynced, with the
    /// directory stamp cleared (see UpdateFlagsLocked): on a thread of its own when <paramref name="overlap"/>
    /// (the caller waits for it after its renames), else before returning.
    /// </summary>
    private IndexBatchWrite? WriteFlagBatch(bool overlap)
    {
        _index.Stamp = null;
        if (overlap)
        {
            var index = _index;
            var path = IndexPath;
            return IndexBatchWrite.Start(() => index.Save(path));
        }

        try
        {
            WriteIndex();
        }
        catch
        {
            Invalidate(); // the entries hold names not made yet: read the index again, then list
            throw;
        }

        return null;
    }

    /// <summary>One message's change the careful way: its file checked, found again when it moved. False when it is gone.</summary>
    private bool StoreOne(IndexEntry entry, FlagChangeMode mode, MaildirFlags changeFlags, int changeLetters, FolderRenames renames,
        ref bool anyChange, ref bool surprised, ref bool renamed, ref bool movedFromNew)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var info = MaildirInfo.Parse(entry.FileName, out var keyLength);
            var wanted = Wanted(mode, info, changeFlags, changeLetters);
            var newName = wanted.FileName(entry.FileName, keyLength);
            if (ReferenceEquals(newName, entry.FileName) && !entry.IsNew)
            {
                // Nothing to rename; still make sure the flags reported are the file's, not a stale name's.
                if (File.Exists(System.IO.Path.Combine(Path, entry.SubDirectory, entry.FileName)))
                {
                    return true;
                }

                surprised = true;
                if (!RelocateEntry(entry, ref anyChange))
                {
                    return false; // expunged by someone else; the next sync reports it
                }

                continue;
            }

            // rename(2) straight from the name the index knows: no stat of either name first.
            var outcome = renames.Rename(entry.IsNew, entry.FileName, newName);
            if (outcome == RenameOutcome.SourceMissing)
            {
                surprised = true; // renamed by another program meanwhile: look again
                if (!RelocateEntry(entry, ref anyChange))
                {
                    return false;
                }

                continue;
            }

            if (outcome == RenameOutcome.TargetExists)
            {
                throw new IOException($"{newName} already exists beside {entry.FileName} in {Path}.");
            }

            if (wanted != info)
            {
                entry.ModSeq = ++_index.HighestModSeq;
            }

            renamed = true;
            movedFromNew |= entry.IsNew;
            entry.FileName = newName;
            entry.IsNew = false;
            entry.Record = NewRecord(entry, wanted);
            _index.MarkFlagsChanged(entry);
            anyChange = true;
            return true;
        }

        return true;
    }

    private static MaildirInfo Wanted(FlagChangeMode mode, MaildirInfo info, MaildirFlags changeFlags, int changeLetters) => mode switch
    {
        // P has no IMAP flag: a replace keeps it.
        FlagChangeMode.Replace => new MaildirInfo(changeFlags | (info.Flags & MaildirFlags.Passed), changeLetters),
        FlagChangeMode.Add => new MaildirInfo(info.Flags | changeFlags, info.Keywords | changeLetters),
        _ => new MaildirInfo(info.Flags & ~changeFlags, info.Keywords & ~changeLetters),
    };

    /// <summary>Finds a message renamed by someone else; its mod-sequence moves when its flags did. False when it is gone.</summary>
    private bool RelocateEntry(IndexEntry entry, ref bool anyChange)
    {
        if (Relocate(entry.Key) is not { } found)
        {
            return false;
        }

        if (InfoDiffers(entry.FileName, found.FileName))
        {
            entry.ModSeq = ++_index.HighestModSeq;
            anyChange = true;
        }

        entry.FileName = found.FileName;
        entry.IsNew = found.IsNew;
        entry.Record = null;
        _index.MarkChanged(entry);
        return true;
    }

    private IReadOnlyList<uint> ExpungeLocked(HashSet<uint>? uids, bool requireDeleted)
    {
        var expunged = new List<uint>();
        var removedKeys = new HashSet<string>(StringComparer.Ordinal);
        // As after a STORE's renames: when the directories are as this process last verified them, the stamp
        // after its own deletions stands in for a listing until the chain settles. Without it the sync that
        // ends the EXPUNGE listed the whole folder again (half of an EXPUNGE in 100,000 messages, perf).
        var before = DirectoryStamp.Read(Path, UidListPath);
        var verifyBy = OwnChainDeadline(before, DateTime.UtcNow, out _, out var curKnown);
        var surprised = false; // a file not where the index had it, or not deletable: the next sync lists
        foreach (var entry in _index.Entries.ToList())
        {
            if (uids is not null && !uids.Contains(entry.Uid))
            {
                continue;
            }

            // The index's name is the one the last sync found or this process's own rename left, the flags the
            // session was shown: without \Deleted there, the message is not a candidate, and its file is not
            // looked at. A stat per message was ≈ 0.2 s of the ≈ 0.5 s an EXPUNGE of one message in 100,000 took.
            // A \Deleted set by another program since that sync waits for the next sync, as if this EXPUNGE came
            // first (RFC 3501 §6.4.3 removes what has the flag; a client only knows of it after the sync that
            // shows it).
            if (requireDeleted && !CarriesDeleted(entry.FileName))
            {
                continue;
            }

            var current = System.IO.Path.Combine(Path, entry.SubDirectory, entry.FileName);
            if (!File.Exists(current) && Relocate(entry.Key) is { } found)
            {
                surprised = true;
                if (requireDeleted && !CarriesDeleted(found.FileName))
                {
                    continue; // renamed by another program without \Deleted meanwhile: kept
                }

                current = System.IO.Path.Combine(Path, found.SubDirectory, found.FileName);
            }

            TryDelete(current);
            if (File.Exists(current))
            {
                surprised = true;
                continue; // could not delete: keep it
            }

            expunged.Add(entry.Uid);
            removedKeys.Add(entry.Key);
        }

        if (expunged.Count == 0)
        {
            return expunged;
        }

        DirectorySync.Fsync(System.IO.Path.Combine(Path, "cur"));
        var removed = new HashSet<uint>(expunged);
        _index.Entries.RemoveAll(e => removed.Contains(e.Uid));
        foreach (var uid in expunged)
        {
            AddExpunged(uid);
            ForgetPending(uid);
        }

        _byUid = UidTable.Of(_index.Entries);
        var listWritten = false;
        if (ListTakesAppends() && _staleListUids.Count + expunged.Count <= _index.Entries.Count / 3)
        {
            // The expunged messages' records stay in the uidlist, as Dovecot leaves them (it rewrites its list
            // once a quarter of the records have no file): a record without its file is an expunged message to
            // every reader, and its UID is never given again. Reading and rewriting the whole list was most of an
            // EXPUNGE of one message (≈ 460 KB at 10,000 messages; 1.6 × Dovecot's time in bench/run.sh). The
            // list is as this process left it, so its stamp stands for the chain below as a write of ours would.
            _staleListUids.UnionWith(expunged);
            listWritten = true;
        }
        else if (ReadUidList() is { } document)
        {
            document.Records.RemoveAll(r => removedKeys.Contains(r.Key) || _staleListUids.Contains(r.Uid));
            AtomicFile.Write(UidListPath, document.ToString());
            RememberAppendableList();
            _staleListUids.Clear();
            listWritten = true;
        }

        _ownStamp = listWritten && !surprised ? OwnStampAfter(before, verifyBy, curKnown) : null;
        WriteIndex();
        if (_ownStamp is { } mine)
        {
            _verified = new VerifiedStamp(mine.Stamp, mine.VerifyByUtc);
        }

        Publish();
        Mailbox.InvalidateQuota();
        return expunged;
    }

    private List<uint> AddFilesLocked(IReadOnlyList<PendingFile> files)
    {
        // The new files' records are appended to the uidlist, as Dovecot does, while it is as this process last read
        // or wrote it and takes appends: an APPEND or COPY into a 100,000-message folder read and rewrote 100,000
        // lines, and a migration by APPEND did that for every message. Otherwise the list is read and written whole.
        UidListDocument? document = null;
        uint nextUid;
        if (ListTakesAppends() && ReadUidListHeader() is { } head && head.UidValidity == _index.UidValidity)
        {
            nextUid = Math.Max(head.NextUid, _uidNext); // never below the UIDNEXT announced (see LoadIndex)
        }
        else
        {
            document = ReadUidList();
            if (document is null || document.UidValidity != _index.UidValidity)
            {
                SyncLocked(CancellationToken.None);
                document = ReadUidList() ?? throw new IOException($"{UidListPath} could not be read back.");
            }

            nextUid = Math.Max(document.NextUid, _uidNext);
        }

        // As a STORE does (UpdateFlagsLocked): when the directories and the list are as this process had verified
        // them, the stamp right after its own additions stands in for a listing until the chain's first stamp
        // settles. Without it, the sync that ends every APPEND listed the whole folder again: ≈ 200 ms an APPEND
        // into 100,000 messages, most of its time (perf, 2026-11-30).
        var before = DirectoryStamp.Read(Path, UidListPath);
        var now = DateTime.UtcNow;
        var verifyBy = OwnChainDeadline(before, now, out _, out var curKnown);
        var records = new List<UidListRecord>(files.Count);
        var uids = new List<uint>(files.Count);
        // Added to the table, not rebuilt from the entries (a rebuild hashed 100,000 UIDs per APPEND; see UidTable).
        var addedEntries = new List<IndexEntry>(files.Count);
        var keywordsAdded = false;
        var cur = System.IO.Path.Combine(Path, "cur");
        foreach (var file in files)
        {
            var letters = new StringBuilder();
            foreach (var keyword in file.Keywords)
            {
                var known = _keywords.LetterOf(keyword);
                if ((known ?? _keywords.GetOrAdd(keyword)) is { } letter)
                {
                    keywordsAdded |= known is null;
                    letters.Append(letter);
                }
            }

            var flags = FlagLetters.ToMaildirFlags(file.Flags);
            var fileName = new MaildirEntryName(file.Key, flags, letters.ToString(), null, null).WithInfo(flags, letters.ToString());
            File.Move(file.TmpPath, System.IO.Path.Combine(cur, fileName), overwrite: false);
            var uid = nextUid++;
            records.Add(new UidListRecord(uid, file.Key, []));
            var added = new IndexEntry
            {
                Uid = uid,
                Key = file.Key,
                FileName = fileName,
                IsNew = false,
                ModSeq = ++_index.HighestModSeq,
                Size = file.Size,
                InternalDateMs = file.InternalDateMs,
            };
            _index.Entries.Add(added);
            _index.MarkChanged(added);
            addedEntries.Add(added);
            uids.Add(uid);
        }

        // The renames' directory fsync runs beside the list's and the index's own: all three are on disk before the
        // reply, and none has to be before another — a record or an entry whose file a crash took (the rename not yet
        // durable) is dropped by the next sync, and no client was told of it; its UID is not handed out again, whether
        // the list kept its record or only the index its entry (LoadIndex starts UIDNEXT above the index's UIDs).
        // One journal commit can then carry them (an APPEND into 10,000 messages made its three fsyncs one after another).
        var curSync = Task.Run(() => DirectorySync.Fsync(cur), CancellationToken.None);
        FileStream? listAppend = null;
        Task? listFlush = null;
        try
        {
            if (keywordsAdded)
            {
                _keywords.Write(Path);
            }

            if (document is null)
            {
                // Written now (the stamps below see it), flushed beside the index's own fsync: an APPEND into
                // 10,000 messages waited for one after the other (≈ 0.8 ms each here).
                listAppend = UidListDocument.AppendUnflushed(UidListPath, records);
            }
            else
            {
                document.Records.AddRange(records);
                document.NextUid = nextUid;
                AtomicFile.Write(UidListPath, document.ToString());
            }

            RememberAppendableList(); // appended to one that took appends, or written whole as version 3
            _uidNext = nextUid;
            _byUid = _byUid.With(addedEntries);
            _ownStamp = OwnStampAfter(before, verifyBy, curKnown);
            if (listAppend is { } appended)
            {
                listFlush = Task.Run(() => UidListDocument.FlushAppended(appended, UidListPath), CancellationToken.None);
            }

            WriteIndex();
        }
        finally
        {
            // Never a reply, nor the lock released, before the files are durable.
            try
            {
                listFlush?.GetAwaiter().GetResult();
            }
            finally
            {
                listAppend?.Dispose();
                curSync.GetAwaiter().GetResult();
            }
        }
        if (_ownStamp is { } mine)
        {
            _verified = new VerifiedStamp(mine.Stamp, mine.VerifyByUtc);
        }

        Publish();
        Mailbox.InvalidateQuota();
        return uids;
    }

    /// <summary>True when the uidlist is as this process last read it whole (and found it could take appends) or wrote it.</summary>
    private bool ListTakesAppends() => _appendableList is { } known && known == ReadListStamp();

    /// <summary>Notes the uidlist's time and size now, after this process wrote it under the lock, as one that takes appends.</summary>
    private void RememberAppendableList() => _appendableList = ReadListStamp();

    private ListStamp? ReadListStamp()
    {
        var list = new FileInfo(UidListPath);
        return list.Exists ? new ListStamp(list.LastWriteTimeUtc.Ticks, list.Length) : null;
    }

    /// <summary>
    /// Until when the stamp right after this process's own changes may stand in for a listing (a STORE's renames, an
    /// APPEND's files), or null: the directories were, before them (<paramref name="before"/>), as this process had
    /// verified them — the index's settled stamp (<paramref name="startsChain"/>: the chain starts now) or the last
    /// stamp of a chain not yet settled. <paramref name="curKnown"/>: the chain's root knows cur/ and the uidlist for
    /// good (<see cref="OwnStamp.CurKnown"/>), as the index's settled stamp does.
    /// </summary>
    private DateTime? OwnChainDeadline(DirectoryStamp before, DateTime now, out bool startsChain, out bool curKnown)
    {
        startsChain = _loaded && _index.UidValidity != 0 && before == _index.Stamp;
        if (startsChain)
        {
            curKnown = true;
            return now + DirectoryStamp.SettleTime;
        }

        var continued = _ownStamp is { } own && own.Stamp == before && now < own.VerifyByUtc ? own : null;
        curKnown = continued is { CurKnown: true };
        return continued?.VerifyByUtc;
    }

    /// <summary>The highest UID the index has given, to a message it holds or one it recorded as expunged (0: none).</summary>
    private uint HighestUidKnown()
    {
        uint highest = 0;
        foreach (var entry in _index.Entries)
        {
            highest = Math.Max(highest, entry.Uid);
        }

        lock (_index.Expunged)
        {
            foreach (var (uid, _) in _index.Expunged)
            {
                highest = Math.Max(highest, uid);
            }
        }

        return highest;
    }

    /// <summary>Whether a file name's info carries T (\Deleted): a bit test on MaildirInfo's flags, no allocation, no boxing.</summary>
    private static bool CarriesDeleted(string fileName) => (MaildirInfo.Parse(fileName, out _).Flags & MaildirFlags.Trashed) != 0;

    /// <summary>
    /// The stamp right after this process's own APPEND or EXPUNGE, to stand in for a listing until
    /// <paramref name="verifyBy"/> (<see cref="OwnChainDeadline"/>), or null. new/ is not ours to hold: a delivery there
    /// meanwhile (it takes no lock), or our own deletion there, moves its time, ends the chain, and the next sync lists.
    /// </summary>
    private OwnStamp? OwnStampAfter(DirectoryStamp before, DateTime? verifyBy, bool curKnown)
    {
        var after = DirectoryStamp.Read(Path, UidListPath);
        return verifyBy is { } by && after.NewTicks == before.NewTicks ? new OwnStamp(after, by, AfterRenames: true, CurKnown: curKnown) : null;
    }

    /// <summary>
    /// A complete listing too recent to trust is trusted by the first sync after it settles (TrustSettledListing),
    /// which writes its stamp into the index. A first SELECT followed by nothing (a LOGOUT) left no such sync, so
    /// the next process to open the folder — after a restart, or once this state was let go — found no stamp and
    /// listed every file again: 100,000 files took 0.88–0.97 s against 0.44–0.46 with the stamp
    /// (bench/imap/cold-select-ab.sh with AFTER_RESTART=1). One requested sync once it has settled writes it: four
    /// stat calls and a line of index log.
    /// </summary>
    private void TrustWhenSettled()
    {
        if (Interlocked.Exchange(ref _trustScheduled, 1) == 0)
        {
            _ = Task.Delay(DirectoryStamp.SettleTime + TimeSpan.FromMilliseconds(250)).ContinueWith(
                static (_, state) =>
                {
                    var folder = (MailFolder)state!;
                    Volatile.Write(ref folder._trustScheduled, 0);
                    folder.RequestSync();
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
        }
    }

    /// <summary>
    /// The stamp of this process's last listing, found unchanged once it has settled, becomes the index's
    /// trusted stamp without a second listing — when that listing was complete (<see cref="OwnStamp.Complete"/>):
    /// new/ and cur/ were settled when the stamp was read before it, so any change to them since has moved
    /// their times, and the uidlist's time was its own write under the lock. Its first line must still name
    /// the same UIDVALIDITY (a list recreated by someone else in the same tick is listed again). A header
    /// FETCH of 100,000 messages that outlasted the settle time relisted every name at its end (≈ 11 % of
    /// its time, dotnet-trace 2026-11-29) only to conclude this.
    /// </summary>
    private void TrustSettledListing(DirectoryStamp stamp, DateTime nowUtc)
    {
        _ownStamp = null;
        if (_loaded && _index.UidValidity != 0 && stamp.IsSettled(nowUtc)
            && ReadUidListHeader() is { } header && header.UidValidity == _index.UidValidity)
        {
            _index.Stamp = stamp; // written with the index by the caller's unchanged-stamp path
        }
    }

    private bool FlushSummariesLocked()
    {
        var factsChanged = FlushFactsLocked();
        if (_pendingSummaries.IsEmpty && _pendingFetchItems.IsEmpty)
        {
            return factsChanged;
        }

        var items = new List<(IndexEntry Entry, string Key, object Item)>();
        foreach (var (uid, (key, summary)) in _pendingSummaries.ToArray())
        {
            _pendingSummaries.TryRemove(uid, out _);
            if (_byUid.TryGetValue(uid, out var entry) && entry.Key == key)
            {
                items.Add((entry, key, summary));
            }
        }

        foreach (var (uid, (key, rendered)) in _pendingFetchItems.ToArray())
        {
            if (_byUid.TryGetValue(uid, out var entry) && entry.Key == key)
            {
                items.Add((entry, key, rendered));
            }
        }

        if (items.Count == 0)
        {
            return factsChanged;
        }

        var positions = SummaryCacheFile.Append(CachePath, items.Select(i => (i.Key, i.Item)).ToList());
        for (var i = 0; i < items.Count; i++)
        {
            var (entry, _, item) = items[i];
            if (item is RenderedFetchItems)
            {
                entry.FetchOffset = positions[i].Offset;
                entry.FetchLength = positions[i].Length;
                // Removed only now: a reader between the append and here still finds it pending.
                _pendingFetchItems.TryRemove(entry.Uid, out _);
            }
            else
            {
                entry.CacheOffset = positions[i].Offset;
                entry.CacheLength = positions[i].Length;
            }

            _index.MarkChanged(entry);
        }

        return true;
    }

    /// <summary>Puts sizes and dates read on first use into their index entries (the caller writes the index).</summary>
    private bool FlushFactsLocked()
    {
        var changed = false;
        foreach (var (uid, facts) in _pendingFacts.ToArray())
        {
            _pendingFacts.TryRemove(uid, out _);
            if (!_byUid.TryGetValue(uid, out var entry) || entry.Key != facts.Key)
            {
                continue;
            }

            var filled = false;
            if (entry.Size < 0 && facts.KnownSize >= 0)
            {
                entry.Size = facts.KnownSize;
                filled = true;
            }

            if (entry.InternalDateMs == MessageFileFacts.UnknownDateMs && facts.KnownDateMs != MessageFileFacts.UnknownDateMs)
            {
                entry.InternalDateMs = facts.KnownDateMs;
                filled = true;
            }

            if (filled)
            {
                _index.MarkChanged(entry); // the record keeps its facts: no need to build it again
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// The store lets go of this state (no session opened it for the retention): what was parsed and not yet
    /// written goes to <c>facteur-cache</c> now rather than being parsed again by the state that replaces it.
    /// </summary>
    internal void FlushPendingInBackground()
    {
        if (HasPending)
        {
            StartBackgroundFlush();
        }
    }

    private async Task FlushSummariesInBackgroundAsync()
    {
        var written = false;
        try
        {
            // What is kept describes files of a folder that exists. A folder removed under the process (an
            // administrator's rm -r of a user's Maildir) is not brought back by it: the INBOX's EnsureExists
            // would recreate cur/new/tmp and write a uidlist and index for messages that are gone.
            if (OnDisk)
            {
                await FlushSummariesAsync().ConfigureAwait(false);
                written = true;
            }
        }
        catch (IOException)
        {
            // The summaries stay pending and go out with the next sync.
        }
        catch (MailStoreException)
        {
        }
        finally
        {
            Interlocked.Exchange(ref _flushing, 0);
        }

        // Added after this flush took its copy, or while it ran when the armed flush came, or kept by a
        // failure (another process held the lock): tried again. Not for a folder deleted meanwhile, which
        // would be retried every second for as long as it stays gone.
        if (HasPending && (written || OnDisk))
        {
            FlushLater();
        }
    }

    private bool WriteIndex()
    {
        _index.Save(IndexPath);
        return true;
    }

    private void AddExpunged(uint uid)
    {
        lock (_index.Expunged)
        {
            _index.MarkExpunged(uid, ++_index.HighestModSeq);
            if (_index.Expunged.Count > MaxExpungedRecords)
            {
                var dropped = _index.Expunged.Count - MaxExpungedRecords;
                _index.ExpungeFloor = Math.Max(_index.ExpungeFloor, _index.Expunged[dropped - 1].ModSeq);
                _index.Expunged.RemoveRange(0, dropped);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private void Publish()
    {
        // The last state's records are kept as far as they are still current, in its own buffer when nothing
        // but additions came after them (StateMessages): a delivery into 100,000 messages writes its record
        // after the others instead of a new 800 KB array. Only the newest state's buffer is ever written, and
        // only past its count, under the lock, so no published state changes.
        var entries = _index.Entries;
        var count = entries.Count;
        var last = _state.Messages as StateMessages;
        var kept = 0;
        if (last is not null)
        {
            var buffer = last.Buffer;
            var limit = Math.Min(last.Count, count);
            while (kept < limit && ReferenceEquals(ToRecord(entries[kept]), buffer[kept]))
            {
                kept++;
            }
        }

        MessageRecord[] messages;
        if (last is not null && kept == last.Count && count <= last.Buffer.Length)
        {
            messages = last.Buffer;
        }
        else
        {
            // Room for more only once additions came: a folder that does not grow keeps an exact array.
            var growing = last is { Count: > 0 } && kept == last.Count && count > kept;
            messages = new MessageRecord[growing ? count + Math.Max(16, count / 8) : count];
            if (kept > 0)
            {
                Array.Copy(last!.Buffer, messages, kept);
            }
        }

        for (var i = kept; i < count; i++)
        {
            messages[i] = ToRecord(entries[i]);
        }

        var keywords = new List<string>();
        for (var c = 'a'; c <= 'z'; c++)
        {
            if (_keywords.NameOf(c) is { } keyword)
            {
                keywords.Add(keyword);
            }
        }

        _state = new FolderState(Name, _index.UidValidity, _uidNext, _index.HighestModSeq, new StateMessages(messages, count), keywords);
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_signalLock)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private MessageRecord ToRecord(IndexEntry entry)
    {
        if (entry.Record is { } cached && cached.ModSeq == entry.ModSeq && ReferenceEquals(cached.FileName, entry.FileName))
        {
            return cached;
        }

        // Flags and keyword letters only: the key is the entry's already (no substring per message).
        var record = NewRecord(entry, MaildirInfo.Parse(entry.FileName, out _));
        entry.Record = record;
        return record;
    }

    /// <summary>The record of an entry whose file name's info is <paramref name="info"/> (just renamed to it): no parse of the name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see UpdateFlagsLocked
    private MessageRecord NewRecord(IndexEntry entry, MaildirInfo info) =>
        BuildRecord(entry, FlagLetters.ToMessageFlags(info.Flags), FlagLetters.Keywords(info.Keywords, _keywords));

    /// <summary>A record with the entry's size and date, or, when the index has none yet ('?'), one whose facts read them on first use (made when asked: MessageRecord.Facts).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private MessageRecord BuildRecord(IndexEntry entry, MessageFlags flags, IReadOnlyList<string> keywords)
    {
        var dateKnown = entry.InternalDateMs != MessageFileFacts.UnknownDateMs;
        if (entry.Size < 0 || !dateKnown)
        {
            entry.Facts?.Seed(entry.Size, entry.InternalDateMs); // else made with what the entry knows when first asked (MessageRecord.Facts)
        }

        // The entry's key if it was cut already, else the record takes it from the entry when asked: one string for both.
        return new MessageRecord(entry.Uid, entry.KnownKey!, entry.FileName, entry.IsNew, flags, keywords, entry.ModSeq, entry.Size,
            dateKnown ? DateTimeOffset.FromUnixTimeMilliseconds(entry.InternalDateMs) : DateTimeOffset.MinValue)
        {
            Entry = entry,
            Folder = this,
        };
    }

    private static bool InfoDiffers(string a, string b)
    {
        var x = MaildirEntryName.Parse(a);
        var y = MaildirEntryName.Parse(b);
        return x.Flags != y.Flags || !x.Keywords.Order().SequenceEqual(y.Keywords.Order());
    }

    private UidListDocument? ReadUidList()
    {
        try
        {
            using var reader = new StreamReader(UidListPath, Encoding.UTF8);
            return UidListDocument.Parse(reader);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null; // corrupt: rebuilt with a new UIDVALIDITY, as Dovecot does
        }
    }

    private UidListDocument? ReadUidListHeader()
    {
        try
        {
            return UidListDocument.ReadHead(UidListPath);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private Dictionary<string, DiskFile> Scan() => ScanPausing(firstSync: false, out _);

    /// <summary>
    /// <see cref="Scan"/>, and for a <paramref name="firstSync"/> of <see cref="CollectionPauseFrom"/> files or more, a
    /// <see cref="CollectionPause"/> started between the raw listing (native memory) and the names made from it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private Dictionary<string, DiskFile> ScanPausing(bool firstSync, out CollectionPause pause)
    {
        // new/ before cur/: a file moving new/ → cur/ during the scan is then seen at least once. Both are
        // listed before the dictionary is made, so it is made at its size (100,000 names: no rehashing).
        using var fresh = DirectoryListing.Read(System.IO.Path.Combine(Path, "new"));
        using var current = DirectoryListing.Read(System.IO.Path.Combine(Path, "cur"));
        var count = fresh.Count + current.Count;
        pause = PauseFor(firstSync, count);
        try
        {
            var entries = new Dictionary<string, DiskFile>(count, StringComparer.Ordinal);
            Add(entries, fresh, isNew: true);
            Add(entries, current, isNew: false);
            return entries;
        }
        catch
        {
            pause.Dispose();
            throw;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
        static void Add(Dictionary<string, DiskFile> entries, DirectoryListing listing, bool isNew)
        {
            foreach (var name in listing)
            {
                if (DiskFile.FromName(name, isNew, cutKey: true) is { } file)
                {
                    entries[file.Key] = file;
                }
            }
        }
    }

    /// <summary>A first sync's pause over <paramref name="listed"/> files (<see cref="CollectionPauseBytesPerFile"/> says how large; SyncLocked why), none below <see cref="CollectionPauseFrom"/>.</summary>
    private static CollectionPause PauseFor(bool firstSync, int listed) =>
        firstSync && listed >= CollectionPauseFrom ? CollectionPause.For((listed * CollectionPauseBytesPerFile) + CollectionPauseBytesMore) : default;

    /// <summary>
    /// The files of new/ and cur/ in ordinal key order, one a key (a file moved new/ → cur/ during the listing is
    /// seen in both: cur/ is kept, as <see cref="ScanPausing"/> keeps it), for a sync with no uidlist record to match
    /// them to; a <see cref="CollectionPause"/> as in <see cref="ScanPausing"/>. A first sync of 100,000 made a
    /// dictionary of every name only to copy its values out for the key sort: ≈ 4.4 MB of fresh pages and a hash of
    /// every key, for nothing but to drop a duplicate, which the sort puts next to its twin anyway.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private DiskFile[] ScanInKeyOrderPausing(bool firstSync, out CollectionPause pause)
    {
        using var fresh = DirectoryListing.Read(System.IO.Path.Combine(Path, "new"));
        using var current = DirectoryListing.Read(System.IO.Path.Combine(Path, "cur"));
        var listed = fresh.Count + current.Count;
        pause = PauseFor(firstSync, listed);
        try
        {
            var files = new DiskFile[listed];
            var count = Add(files, 0, fresh, isNew: true);
            count = Add(files, count, current, isNew: false);
            OrdinalKeyOrder.Sort(files, count, static file => file.KeySpan);
            var distinct = 0;
            for (var i = 0; i < count; i++)
            {
                if (distinct > 0 && files[distinct - 1].KeySpan.SequenceEqual(files[i].KeySpan))
                {
                    if (files[distinct - 1].IsNew)
                    {
                        files[distinct - 1] = files[i];
                    }

                    continue;
                }

                files[distinct++] = files[i];
            }

            return distinct == files.Length ? files : files[..distinct];
        }
        catch
        {
            pause.Dispose();
            throw;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
        static int Add(DiskFile[] files, int count, DirectoryListing listing, bool isNew)
        {
            foreach (var name in listing)
            {
                if (DiskFile.FromName(name, isNew, cutKey: false) is { } file)
                {
                    files[count++] = file;
                }
            }

            return count;
        }
    }

    /// <summary>
    /// Moves each record's file from <paramref name="onDisk"/> into <paramref name="keptFiles"/> (the record into
    /// <paramref name="kept"/>, same position); a record whose key is not there is skipped. False when one was.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
    private static bool TakeFiles(List<UidListRecord> records, Dictionary<string, DiskFile> onDisk, List<UidListRecord> kept, List<DiskFile> keptFiles)
    {
        var all = true;
        foreach (var record in records)
        {
            if (onDisk.Remove(record.Key, out var file))
            {
                kept.Add(record);
                keptFiles.Add(file);
            }
            else
            {
                all = false;
            }
        }

        return all;
    }

    private DiskFile? Relocate(string key)
    {
        foreach (var isNew in (bool[])[false, true])
        {
            if (DirectoryListing.FindByKey(System.IO.Path.Combine(Path, isNew ? "new" : "cur"), key) is { } fileName)
            {
                return new DiskFile(fileName, key.Length, isNew, key);
            }
        }

        return null;
    }

    private bool LinkOrCopy(MessageRecord message, string tmpPath, out long size)
    {
        size = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var source = System.IO.Path.Combine(Path, message.SubDirectory, message.FileName);
            if (!File.Exists(source))
            {
                if (Relocate(message.Key) is not { } found)
                {
                    return false;
                }

                message = message with { FileName = found.FileName, IsNew = found.IsNew };
                continue;
            }

            try
            {
                if (!HardLink.TryCreate(source, tmpPath))
                {
                    File.Copy(source, tmpPath, overwrite: false);
                    File.SetLastWriteTimeUtc(tmpPath, message.InternalDate.UtcDateTime);
                }

                size = new FileInfo(tmpPath).Length;
                return File.Exists(tmpPath);
            }
            catch (FileNotFoundException)
            {
            }
        }

        return false;
    }

    private static async Task<(long Size, long VirtualSize)> WriteTmpAsync(string tmpPath, Stream content, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var buffer = new byte[64 * 1024];
        var counter = new VirtualSizeCounter();
        await using (var file = new FileStream(tmpPath, options))
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                counter.Add(buffer.AsSpan(0, read));
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            file.Flush(flushToDisk: true);
        }

        return (counter.Size, counter.VirtualSize);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The directory stamp the in-memory state was last verified against (boxed, so it is replaced atomically):
    /// settled, or this process's own (<see cref="OwnStamp"/>), trusted until <paramref name="TrustUntilUtc"/>.
    /// </summary>
    private sealed record VerifiedStamp(DirectoryStamp Stamp, DateTime? TrustUntilUtc = null);

    /// <summary>
    /// A stamp this process knows the directories' content for although it has not settled: right after its
    /// own flag renames, made under the lock while the directories were as it had verified them
    /// (<paramref name="AfterRenames"/>), or of its last listing. Until <paramref name="VerifyByUtc"/> (when
    /// the first stamp of a chain of them settles) a STORE that finds the directories so may chain its own
    /// renames to it, and a sync that finds either kind unchanged need not list the directories.
    /// <paramref name="Complete"/>: a listing's stamp whose new/ and cur/ had settled before the listing
    /// (its uidlist part settled or written by that listing): once it settles unchanged, it is trusted with no
    /// second listing (<see cref="TrustSettledListing"/>).
    /// <paramref name="CurKnown"/>: cur/ and the uidlist as this stamp shows them are what the index holds, the uidlist
    /// for good (settled, or written under the lock by this process, as for <see cref="KnownCur"/>); only a change in
    /// cur/'s last tick could hide, until <paramref name="VerifyByUtc"/>. A chain of own changes keeps it from its root.
    /// </summary>
    private sealed record OwnStamp(DirectoryStamp Stamp, DateTime VerifyByUtc, bool AfterRenames, bool Complete = false, bool CurKnown = false);

    /// <summary>
    /// cur/'s time and the uidlist's time and size as a listing of this process found or left them, when neither can
    /// have changed since without moving those values: the uidlist had settled or was the listing's own write under
    /// the lock, and cur/ had settled before that listing (<paramref name="TrustUntilUtc"/> = MaxValue) or will have
    /// at <paramref name="TrustUntilUtc"/> (a change in its last tick could hide from that listing until then). While
    /// the disk still shows them, the index holds cur/ and the uidlist as they are, and a sync lists new/ alone
    /// (<see cref="SyncNewLocked"/>).
    /// </summary>
    private sealed record KnownCur(long CurTicks, long UidListTicks, long UidListSize, DateTime TrustUntilUtc)
    {
        public bool Matches(DirectoryStamp stamp) =>
            stamp.CurTicks == CurTicks && stamp.UidListTicks == UidListTicks && stamp.UidListSize == UidListSize;

    }

    /// <summary>
    /// The uidlist's time and size when this process last read it whole and found that it takes appended records
    /// (<see cref="UidListDocument.CanAppend"/>: version 3, no damaged line), or wrote it: while the file shows them,
    /// new records are appended without reading it whole.
    /// </summary>
    private readonly record struct ListStamp(long Ticks, long Size);

    /// <summary>A message's rename as planned by a STORE: the index entry already holds the new name.</summary>
    private readonly record struct PlannedRename(IndexEntry Entry, string OldName, bool FromNew);

    // A struct: a first sync holds one per file (100,000) in its listing.
    // CutKey: the key as a string of its own, when one was needed (a dictionary of the names is keyed by it); else
    // null, and the key is the name's first KeyLength characters, cut only when asked (ScanInKeyOrderPausing).
    private readonly record struct DiskFile(string FileName, int KeyLength, bool IsNew, string? CutKey)
    {
        public string Key => CutKey ?? MaildirEntryName.KeyOf(FileName, KeyLength);

        public ReadOnlySpan<char> KeySpan => FileName.AsSpan(0, KeyLength);

        public MaildirEntryName Name => MaildirEntryName.Parse(FileName);

        /// <summary>The uidlist record of this file under <paramref name="uid"/>, sharing the key string if there is one, else cutting none.</summary>
        public UidListRecord RecordFor(uint uid) => CutKey is { } key ? new UidListRecord(uid, key, []) : UidListRecord.OfName(uid, FileName, KeyLength);

        /// <summary>
        /// A listed name; its key is the part before ':' (MaildirEntryName.Key), the rest is parsed only for files new
        /// to the index. Null for an empty key. <paramref name="cutKey"/>: make the key a string now (a dictionary key).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see SyncLocked
        public static DiskFile? FromName(ReadOnlySpan<byte> name, bool isNew, bool cutKey)
        {
            var fileName = Encoding.UTF8.GetString(name);
            var keyLength = MaildirEntryName.KeyLengthOf(fileName);
            if (keyLength == 0)
            {
                return null;
            }

            var file = new DiskFile(fileName, keyLength, isNew, CutKey: null);
            return cutKey ? file with { CutKey = file.Key } : file;
        }

        public string SubDirectory => IsNew ? "new" : "cur";
    }
}
