namespace Facteur.MailStore;

/// <summary>
/// Group commit of directory fsyncs: concurrent deliveries into one <c>new/</c> share fsync(2) calls
/// instead of queueing one each behind the filesystem journal. A caller takes a ticket after its
/// rename; the first fsync that starts after the ticket was taken covers it (fsync of a directory
/// makes every entry change made before the call durable), so each caller still returns only once
/// its own rename is on disk — at most one fsync runs per directory, and all callers that arrive
/// while it runs are covered by the single next one. Entries live only while callers use them.
/// </summary>
public sealed class DirectoryFsyncGroup
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Action<string> _fsync;

    public DirectoryFsyncGroup()
        : this(DirectorySync.Fsync)
    {
    }

    /// <summary>Tests observe and pace the fsync calls.</summary>
    internal DirectoryFsyncGroup(Action<string> fsync) => _fsync = fsync;

    /// <summary>Directories with callers now (tests: entries do not outlive their callers).</summary>
    internal int ActiveDirectories
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Returns once an fsync of <paramref name="directory"/> that began after this call was made has completed.</summary>
    public async Task FsyncAsync(string directory, CancellationToken cancellationToken)
    {
        Entry entry;
        long ticket;
        lock (_entries)
        {
            if (!_entries.TryGetValue(directory, out entry!))
            {
                entry = new Entry();
                _entries.Add(directory, entry);
            }

            entry.Users++;
            ticket = ++entry.Requested;
        }

        try
        {
            await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // An fsync that started after this ticket was taken already made the rename durable.
                if (Volatile.Read(ref entry.Completed) >= ticket)
                {
                    return;
                }

                long covered;
                lock (_entries)
                {
                    covered = entry.Requested;
                }

                _fsync(directory);
                Volatile.Write(ref entry.Completed, covered);
            }
            finally
            {
                entry.Gate.Release();
            }
        }
        finally
        {
            lock (_entries)
            {
                if (--entry.Users == 0)
                {
                    _entries.Remove(directory);
                }
            }
        }
    }

    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public long Requested;
        public long Completed;
        public int Users;
    }
}
