using Facteur.MailStore.Folders;
using Microsoft.Win32.SafeHandles;

namespace Facteur.MailStore.Index;

/// <summary>
/// The RFC822.SIZE and internal date (mtime) of one message whose index entry does not hold them
/// yet: a folder is indexed from its directory listing alone, as Dovecot does, so its first SELECT
/// neither stats nor reads any file (a name's <c>,W=</c> or the uidlist's <c>W</c> still gives the
/// size at once). Both are read together on first use — from the handle whoever opens the file
/// anyway (FETCH, SEARCH) already holds, else from a handle of their own — and reach the index with
/// the folder's next locked operation, so each file is read once per index, not once per SELECT.
/// Shared by every record of the message; thread-safe.
/// </summary>
internal sealed class MessageFileFacts(MailFolder folder, IndexEntry entry)
{
    /// <summary>The index's "not read yet" internal date (Unix ms).</summary>
    public const long UnknownDateMs = long.MinValue;

    // Made on first use: a first sync makes one facts object per message (100,000), and most are never read
    // by two threads at once, so no lock object each up front.
    private Lock? _lock;
    private long _size = -1;
    private long _dateMs = UnknownDateMs;

    public uint Uid => entry.Uid;

    private Lock Gate => Volatile.Read(ref _lock) ?? Interlocked.CompareExchange(ref _lock, new Lock(), null) ?? _lock;

    /// <summary>The message's key: the entry's, cut from its name only when a file is opened or the facts are remembered.</summary>
    public string Key => entry.Key;

    /// <summary>The size if known, else -1.</summary>
    public long KnownSize => Volatile.Read(ref _size);

    /// <summary>The date (Unix ms) if known, else <see cref="UnknownDateMs"/>.</summary>
    public long KnownDateMs => Volatile.Read(ref _dateMs);

    public bool IsComplete => KnownSize >= 0 && KnownDateMs != UnknownDateMs;

    /// <summary>RFC822.SIZE; 0 when the file is gone (the next sync reports the expunge).</summary>
    public long Size
    {
        get
        {
            Resolve();
            return Math.Max(0, KnownSize);
        }
    }

    /// <summary>The internal date; the epoch when the file is gone.</summary>
    public DateTimeOffset InternalDate
    {
        get
        {
            Resolve();
            var ms = KnownDateMs;
            return DateTimeOffset.FromUnixTimeMilliseconds(ms == UnknownDateMs ? 0 : ms);
        }
    }

    /// <summary>Takes what the index already knows (a name's <c>,W=</c>).</summary>
    public void Seed(long size, long dateMs)
    {
        if (size >= 0)
        {
            Volatile.Write(ref _size, size);
        }

        if (dateMs != UnknownDateMs)
        {
            Volatile.Write(ref _dateMs, dateMs);
        }
    }

    /// <summary>Reads what is missing from <paramref name="file"/>, the message's file opened by a caller that reads it anyway.</summary>
    public void ReadFrom(SafeFileHandle file)
    {
        if (IsComplete)
        {
            return;
        }

        lock (Gate)
        {
            if (IsComplete)
            {
                return;
            }

            Fill(file);
        }

        folder.RememberFacts(this);
    }

    /// <summary>
    /// Takes the size a caller counted while reading the file anyway (<paramref name="virtualSize"/>, -1 when it did not
    /// count) and reads the date from <paramref name="file"/> if it is missing; a size still missing is read here.
    /// </summary>
    public void Learn(SafeFileHandle file, long virtualSize)
    {
        if (IsComplete)
        {
            return;
        }

        lock (Gate)
        {
            if (IsComplete)
            {
                return;
            }

            // The date first: a reader that sees the size complete must also see the date.
            if (KnownDateMs == UnknownDateMs)
            {
                Volatile.Write(ref _dateMs, new DateTimeOffset(File.GetLastWriteTimeUtc(file)).ToUnixTimeMilliseconds());
            }

            if (KnownSize < 0)
            {
                Volatile.Write(ref _size, virtualSize >= 0 ? virtualSize : MessageVirtualSize.Compute(file));
            }
        }

        folder.RememberFacts(this);
    }

    private void Resolve()
    {
        if (IsComplete)
        {
            return;
        }

        lock (Gate)
        {
            if (IsComplete)
            {
                return;
            }

            if (folder.OpenMessageHandle(Uid, Key) is not { } file)
            {
                return;
            }

            using (file)
            {
                Fill(file);
            }
        }

        folder.RememberFacts(this);
    }

    private void Fill(SafeFileHandle file)
    {
        // The date first: a reader that sees the size complete must also see the date.
        if (KnownDateMs == UnknownDateMs)
        {
            Volatile.Write(ref _dateMs, new DateTimeOffset(File.GetLastWriteTimeUtc(file)).ToUnixTimeMilliseconds());
        }

        if (KnownSize < 0)
        {
            Volatile.Write(ref _size, MessageVirtualSize.Compute(file));
        }
    }
}
