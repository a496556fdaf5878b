using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// Facteur's own per-folder index, <c>facteur-index</c> beside <c>dovecot-uidlist</c>, plus its change
/// log <c>facteur-index.log</c> (<see cref="FolderIndexLog"/>). The base file is text, one line per
/// message, written atomically under the uidlist lock:
/// <code>
/// facteur-index 3 V&lt;uidvalidity&gt; H&lt;highestmodseq&gt; G&lt;generation&gt; [E&lt;expunge floor&gt;] [D&lt;new/ mtime&gt;,&lt;cur/ mtime&gt;,&lt;uidlist mtime&gt;,&lt;uidlist size&gt;]
/// X &lt;uid&gt; &lt;modseq&gt;                                          (an expunged UID, for VANISHED)
/// &lt;uid&gt; &lt;modseq&gt; &lt;size&gt; &lt;mtime ms&gt; &lt;summary offset&gt; &lt;summary length&gt; &lt;fetch offset&gt; &lt;fetch length&gt; &lt;n|c&gt; &lt;file name&gt;
/// </code>
/// Small changes (a STORE, an APPEND, cache positions) are appended to the log instead of rewriting
/// the base (12 MB at 100,000 messages); the base is rewritten — compacting the log away — when the log
/// grows past half the base or a change touches a large part of the folder.
/// Everything in it can be derived again from the Maildir (only mod-sequences restart), so a file
/// that does not parse, an older version, or a torn log is simply dropped and rebuilt. The generation is
/// random per base write: a process that finds the generation and log length it last saw knows its copy in
/// memory is current, and one that finds only a longer log reads just the new records.
/// D is the state of the directories the index was last checked against (<see cref="DirectoryStamp"/>):
/// while they are unchanged, a sync need not list them.
/// </summary>
internal sealed class FolderIndexFile
{
    public const string FileName = "facteur-index";
    private const string Magic = "facteur-index";
    private const int Version = 3;

    /// <summary>The log is compacted into the base once it is longer than this share of the base (and at least <see cref="MinimumLogBeforeCompaction"/>).</summary>
    private const double LogToBaseRatio = 0.5;
    private const long MinimumLogBeforeCompaction = 256 * 1024;

    /// <summary>The base is read through a pooled buffer of this size; a line (at most ≈ 330 bytes: 255 for the name) never nears it.</summary>
    private const int ReadBufferSize = 64 * 1024;

    private readonly Dictionary<uint, IndexEntry> _changed = [];
    private readonly Dictionary<uint, IndexEntry> _flagsChanged = [];
    private readonly List<(uint Uid, ulong ModSeq)> _newlyExpunged = [];
    private bool _stampChanged;
    private bool _rewrite = true;
    private DirectoryStamp? _stamp;

    /// <summary>The base file as last seen holding <see cref="Generation"/>, once its time was settled (<see cref="IsSettledBase"/>).</summary>
    private (long Generation, long Length, long Ticks)? _settledBase;

    public uint UidValidity { get; set; }

    public ulong HighestModSeq { get; set; }

    public long Generation { get; set; }

    /// <summary>
    /// Expunges with a mod-sequence above this are all in <see cref="Expunged"/>; at or below it some
    /// were lost (the index was rebuilt, or old records were dropped), so VANISHED (EARLIER) for an
    /// older mod-sequence must report every absent UID (RFC 7162 §3.2.5.2). Written as <c>E</c> in the
    /// base header only, so a change of it always writes a new base.
    /// </summary>
    public ulong ExpungeFloor
    {
        get => _expungeFloor;
        set
        {
            if (_expungeFloor != value)
            {
                _rewrite = true;
            }

            _expungeFloor = value;
        }
    }

    private ulong _expungeFloor;

    /// <summary>The directories as of the last full scan, or null when unknown or too recent to trust.</summary>
    public DirectoryStamp? Stamp
    {
        get => _stamp;
        set
        {
            if (_stamp != value)
            {
                _stampChanged = true;
            }

            _stamp = value;
        }
    }

    /// <summary>Messages in increasing UID order.</summary>
    public List<IndexEntry> Entries { get; set; } = [];

    /// <summary>Expunged UIDs with their mod-sequence, in the order they were expunged.</summary>
    public List<(uint Uid, ulong ModSeq)> Expunged { get; } = [];

    /// <summary>The version of the log on disk (<see cref="FolderIndexLog.Version"/> once this process started it): F records only go to version 3.</summary>
    internal int LogVersion { get; set; } = FolderIndexLog.Version;

    /// <summary>Bytes of the log this copy has applied (its own appends included).</summary>
    public long LogLength { get; private set; }

    /// <summary>Size of the base file as last read or written.</summary>
    private long BaseLength { get; set; }

    /// <summary>False when the log on disk belongs to another base (a crash between writing a base and starting its log): the next save writes a base.</summary>
    internal bool LogUsable { get; set; } = true;

    /// <summary>True when something was marked changed since the last <see cref="Save"/>.</summary>
    public bool HasChanges => _rewrite || _changed.Count > 0 || _flagsChanged.Count > 0 || _newlyExpunged.Count > 0 || _stampChanged;

    /// <summary>Records that <paramref name="entry"/> is new or changed (flags, file name, mod-sequence, cache positions).</summary>
    public void MarkChanged(IndexEntry entry)
    {
        // While a new base is owed (a rebuild: 100,000 entries at a first sync) it writes every entry anyway.
        if (!_rewrite)
        {
            _changed[entry.Uid] = entry;
        }
    }

    /// <summary>
    /// Records that only <paramref name="entry"/>'s flags changed: it was renamed into cur/ under its key
    /// with new info, and has a new mod-sequence (or kept its own). Logged as a short F record.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per message of a STORE (see MailFolder.UpdateFlagsLocked)
    public void MarkFlagsChanged(IndexEntry entry) => _flagsChanged[entry.Uid] = entry;

    /// <summary>Adds an expunge record (the entry itself is removed from <see cref="Entries"/> by the caller).</summary>
    public void MarkExpunged(uint uid, ulong modSeq)
    {
        Expunged.Add((uid, modSeq));
        _newlyExpunged.Add((uid, modSeq));
        _changed.Remove(uid);
        _flagsChanged.Remove(uid);
    }

    /// <summary>The next <see cref="Save"/> writes the whole base (after a rebuild or a UIDVALIDITY change).</summary>
    public void RequireRewrite() => _rewrite = true;

    /// <summary>True when the next <see cref="Save"/> writes the whole base whatever else changed.</summary>
    public bool RewriteOwed => _rewrite;

    /// <summary>What is on disk now compared with this copy.</summary>
    public IndexFreshness CheckFreshness(string path)
    {
        if (!IsSettledBase(path))
        {
            // Stat before the read: a base renamed in between has a generation of its own and is not remembered.
            var seen = new FileInfo(path);
            seen.Refresh();
            var generation = ReadGeneration(path);
            if (generation is null || generation != Generation)
            {
                return IndexFreshness.Stale;
            }

            if (seen.Exists && seen.LastWriteTimeUtc < DateTime.UtcNow - DirectoryStamp.SettleTime)
            {
                _settledBase = (Generation, seen.Length, seen.LastWriteTimeUtc.Ticks);
            }
        }

        var log = FolderIndexLog.Length(path);
        if (!LogUsable && log > 0 && FolderIndexLog.ReadGeneration(path) == Generation)
        {
            return IndexFreshness.Behind; // the ignored log was restarted for this base: read it from its start
        }

        return log == LogLength ? IndexFreshness.Current : log > LogLength && LogUsable ? IndexFreshness.Behind : IndexFreshness.Stale;
    }

    /// <summary>
    /// True when the base file has the length and modification time it had when it was last seen holding this copy's
    /// generation, that time already settled then: the generation has not changed, and the open, read and close of
    /// its header (six system calls with .NET's flock, after every IMAP command) are not needed. A base is only
    /// ever replaced whole, by a rename (<see cref="AtomicFile"/>) of a file written just before under the folder's
    /// lock, so a replacement cannot carry a time already two seconds old when this one was seen
    /// (<see cref="DirectoryStamp"/> trusts the directories the same way).
    /// </summary>
    private bool IsSettledBase(string path)
    {
        if (_settledBase is not { } seen || seen.Generation != Generation)
        {
            return false;
        }

        var now = new FileInfo(path);
        return now.Exists && now.Length == seen.Length && now.LastWriteTimeUtc.Ticks == seen.Ticks;
    }

    /// <summary>Applies the log records written by others since this copy last looked; false when the log cannot be used (reload).</summary>
    public bool CatchUp(string path)
    {
        // A log this copy ignored (another base's) may have been restarted since: read it from its start.
        var result = FolderIndexLog.ReadFrom(path, LogUsable ? LogLength : 0, this);
        if (result is not { } length)
        {
            return false;
        }

        LogLength = length;
        return true;
    }

    /// <summary>The generation in the file's header, or null when missing or unreadable.</summary>
    public static long? ReadGeneration(string path)
    {
        try
        {
            // Read after every IMAP command while the base is younger than DirectoryStamp.SettleTime
            // (MailFolder.IsUnchangedOnDisk; CheckFreshness): the header line in one read into the stack,
            // no FileStream or StreamReader buffers; a longer line takes the slow path. open, pread and
            // close where it can (MessageFileReader.ReadHead): a base is replaced only whole, by a rename,
            // so the shared lock File.OpenHandle takes around the read protects nothing here.
            Span<byte> head = stackalloc byte[512];
            var read = MessageFileReader.ReadHead(path, head);
            if (read is null)
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                read = RandomAccess.Read(handle, head, 0);
            }

            if (read < 0)
            {
                return null;
            }

            var octets = head[..read.Value];
            var lf = octets.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                return ParseHeader(Encoding.UTF8.GetString(octets[..lf]).TrimEnd('\r'))?.Generation;
            }

            if (read < head.Length)
            {
                return read == 0 ? null : ParseHeader(Encoding.UTF8.GetString(octets))?.Generation;
            }

            using var reader = new StreamReader(path, Encoding.UTF8);
            var header = reader.ReadLine();
            return header is null ? null : ParseHeader(header)?.Generation;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The base's length in bytes, 0 when there is none.</summary>
    public static long Length(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    /// <summary>The index with its log applied, or null when missing, corrupt, of another version or with a torn log (the caller rebuilds).</summary>
    public static FolderIndexFile? Read(string path)
    {
        try
        {
            FolderIndexFile? index;
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                index = ReadBase(handle);
            }

            if (index is null || !index.CatchUp(path))
            {
                return null; // a torn or corrupt log: what it held is lost, so rebuild from the Maildir
            }

            index.ClearChanges();
            return index;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The base file's lines, parsed from the bytes of a pooled buffer: a restart's first SELECT of a 100,000-message
    /// folder reads 100,000 of them, and a string per line (StreamReader.ReadLine) was ≈ 25 MB allocated for nothing.
    /// Only each line's file name becomes a string.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call loops over every line (see MailFolder.SyncLocked)
    private static FolderIndexFile? ReadBase(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            var reader = new BaseReader(RandomAccess.GetLength(handle));
            long offset = 0;
            var filled = 0;
            while (true)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(filled), offset);
                offset += read;
                filled += read;
                var data = buffer.AsSpan(0, filled);
                var start = 0;
                int lf;
                while ((lf = data[start..].IndexOf((byte)'\n')) >= 0)
                {
                    if (!reader.Take(data.Slice(start, lf)))
                    {
                        return null;
                    }

                    start += lf + 1;
                }

                if (read == 0)
                {
                    // The end: a last line without its LF is still a line, as ReadLine gave it.
                    return start < filled && !reader.Take(data[start..]) ? null : reader.Index;
                }

                data[start..].CopyTo(buffer);
                filled -= start;
                if (filled == buffer.Length)
                {
                    return null; // a line longer than the buffer is no line Facteur wrote
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Builds an index from its base's lines in order: the header, then expunge records and entries.</summary>
    private struct BaseReader(long length)
    {
        private uint _lastUid;

        /// <summary>The index once the header was read, else null.</summary>
        public FolderIndexFile? Index { get; private set; }

        /// <summary>Takes one line (without its LF); false when the file is not a base this version reads.</summary>
        public bool Take(ReadOnlySpan<byte> line)
        {
            if (Index is not { } index)
            {
                if (ParseHeader(Encoding.UTF8.GetString(line)) is not { } parsed)
                {
                    return false;
                }

                Index = new FolderIndexFile
                {
                    UidValidity = parsed.UidValidity,
                    HighestModSeq = parsed.HighestModSeq,
                    Generation = parsed.Generation,
                    Stamp = parsed.Stamp,
                    ExpungeFloor = parsed.ExpungeFloor,
                    BaseLength = length,
                };
                return true;
            }

            if (line.IsEmpty)
            {
                return true;
            }

            if (line.StartsWith("X "u8))
            {
                if (ParseExpunge(line) is not { } expunged)
                {
                    return false;
                }

                index.Expunged.Add(expunged);
                return true;
            }

            var entry = ParseEntry(line);
            if (entry is null || entry.Uid <= _lastUid || entry.ModSeq > index.HighestModSeq)
            {
                return false;
            }

            _lastUid = entry.Uid;
            index.Entries.Add(entry);
            return true;
        }
    }

    /// <summary>Writes what changed since the last save: appended to the log when small, else a new base (atomic, new generation) and no log.</summary>
    /// <param name="path">The index file.</param>
    /// <param name="flushLog">False: a log batch is written without its fsync (the base is always fsynced).</param>
    /// <returns>True when a log batch was appended without its fsync: the caller owes <see cref="FolderIndexLog.Fsync"/>.</returns>
    public bool Save(string path, bool flushLog = true)
    {
        if (!HasChanges)
        {
            return false;
        }

        var logLimit = Math.Max(MinimumLogBeforeCompaction, (long)(BaseLength * LogToBaseRatio));
        var large = _changed.Count + _newlyExpunged.Count > Math.Max(64, Entries.Count / 8);
        var flagRecords = _flagsChanged.Count > 0;
        // A log that is not this base's (LogUsable false, e.g. the one left by the last base write) is
        // started afresh below: its old length must not count, or every change after a base write that
        // followed a long log would write the base again (a STORE 1:* on 10,000 messages did: 0.8 MB
        // rewritten and fsynced per command instead of a 0.3 MB append).
        var logLength = LogUsable ? LogLength : 0;
        if (!_rewrite && !large && logLength < logLimit)
        {
            if (!LogUsable || LogLength == 0)
            {
                // The first small change after a base write starts this base's log.
                LogLength = FolderIndexLog.Start(path, Generation);
                LogUsable = true;
                LogVersion = FolderIndexLog.Version;
            }
            else if (flagRecords && LogVersion < FolderIndexLog.Version)
            {
                WriteBase(path, flushLog); // an older Facteur's log has no F records: the next change starts a new one
                return false;
            }

            var batch = new StringBuilder();
            foreach (var (uid, modSeq) in _newlyExpunged)
            {
                batch.Append(CultureInfo.InvariantCulture, $"X {uid} {modSeq}\n");
            }

            foreach (var entry in _changed.Values.OrderBy(e => e.Uid))
            {
                batch.Append('E').Append(' ');
                AppendEntry(batch, entry);
            }

            if (flagRecords)
            {
                foreach (var entry in _flagsChanged.Values)
                {
                    if (_changed.ContainsKey(entry.Uid))
                    {
                        continue; // the E line already carries the name and mod-sequence
                    }

                    var name = entry.FileName;
                    if (!entry.IsNew && name.StartsWith(entry.Key, StringComparison.Ordinal)
                        && name.AsSpan(entry.Key.Length).StartsWith(MaildirEntryName.InfoPrefix, StringComparison.Ordinal))
                    {
                        batch.Append(CultureInfo.InvariantCulture, $"F {entry.Uid} {entry.ModSeq} ").Append(name, entry.Key.Length, name.Length - entry.Key.Length).Append('\n');
                    }
                    else
                    {
                        batch.Append('E').Append(' ');
                        AppendEntry(batch, entry);
                    }
                }
            }

            if (_stampChanged)
            {
                batch.Append(Stamp is { } s ? $"D {FormatStamp(s)}\n" : "D -\n");
            }

            if (FolderIndexLog.Append(path, Generation, LogLength, batch.ToString(), HighestModSeq, flushLog) is { } length)
            {
                LogLength = length;
                ClearChanges();
                return !flushLog;
            }
        }

        WriteBase(path, flushLog);
        return false;
    }

    /// <param name="path">The index file.</param>
    /// <param name="durableRename">True when the base is the batch of this process's own STORE/EXPUNGE/APPEND
    /// (<see cref="Save"/> with flushLog): its rename is made durable too (the folder's directory fsynced) before the
    /// reply. Otherwise a crash after the reply could bring back the previous base, whose HIGHESTMODSEQ is lower,
    /// and mod-sequences already announced would be handed out again (RFC 7162 §3.1.1). A sync's base (what the
    /// uidlist and the Maildir give back, as a sync's log batch) skips that fsync: rebuilt when missing or stale.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call loops over every entry (a first sync writes 100,000)
    private void WriteBase(string path, bool durableRename)
    {
        Generation = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) & long.MaxValue;
        BaseLength = AtomicFile.Write(path, WriteBaseTo, syncDirectory: durableRename);

        // The old log names the old generation, so it is never applied to the new base; it is replaced
        // by this base's log with the next small change (no second file write per big change).
        LogLength = FolderIndexLog.Length(path);
        LogUsable = false;
        ClearChanges();
    }

    /// <summary>The whole base, straight into the file (no string of it: 100,000 entries are 10 MB of text).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see WriteBase
    private void WriteBaseTo(TextWriter writer)
    {
        var header = new StringBuilder();
        header.Append(CultureInfo.InvariantCulture, $"{Magic} {Version} V{UidValidity} H{HighestModSeq} G{Generation}");
        if (ExpungeFloor != 0)
        {
            header.Append(CultureInfo.InvariantCulture, $" E{ExpungeFloor}");
        }

        if (Stamp is { } stamp)
        {
            header.Append(" D").Append(FormatStamp(stamp));
        }

        writer.Write(header.Append('\n'));
        Span<char> line = stackalloc char[200];
        foreach (var (uid, modSeq) in Expunged)
        {
            if (!line.TryWrite(CultureInfo.InvariantCulture, $"X {uid} {modSeq}\n", out var written))
            {
                throw new InvalidOperationException("An expunge record is longer than its buffer.");
            }

            writer.Write(line[..written]);
        }

        foreach (var e in Entries)
        {
            WriteEntry(writer, e, line);
        }
    }

    /// <summary>One entry line: its numbers formatted into <paramref name="line"/>, the name written as it is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per entry, see WriteBase
    private static void WriteEntry(TextWriter writer, IndexEntry e, Span<char> line)
    {
        writer.Write(line[..FormatEntryHead(e, line)]);
        writer.Write(e.FileName);
        writer.Write('\n');
    }

    /// <summary>
    /// An entry line up to its file name — `uid modseq size|? mtime|? summary-offset summary-length fetch-offset
    /// fetch-length n|c ` — into <paramref name="line"/>; returns its length. The one place the line's fields
    /// are laid out, for the base and for the log's E records. '?': size or date not read yet (MessageFileFacts).
    /// </summary>
    private static int FormatEntryHead(IndexEntry e, Span<char> line)
    {
        // Every field but the name is a number, '?' or a letter: 9 fields of at most 20 characters fit in 200.
        var length = 0;
        var ok = TryPutNumber(line, ref length, e.Uid, known: true) && TryPutNumber(line, ref length, e.ModSeq, known: true)
            && TryPutNumber(line, ref length, e.Size, known: e.Size >= 0)
            && TryPutNumber(line, ref length, e.InternalDateMs, known: e.InternalDateMs != MessageFileFacts.UnknownDateMs)
            && TryPutNumber(line, ref length, e.CacheOffset, known: true) && TryPutNumber(line, ref length, e.CacheLength, known: true)
            && TryPutNumber(line, ref length, e.FetchOffset, known: true) && TryPutNumber(line, ref length, e.FetchLength, known: true)
            && length + 2 <= line.Length;
        if (!ok)
        {
            throw new InvalidOperationException("An index entry's numbers are longer than their buffer.");
        }

        line[length++] = e.IsNew ? 'n' : 'c';
        line[length++] = ' ';
        return length;
    }

    /// <summary>Appends <paramref name="value"/> (or '?' when not <paramref name="known"/>) and a space.</summary>
    private static bool TryPutNumber<T>(Span<char> line, ref int length, T value, bool known)
        where T : ISpanFormattable
    {
        int written;
        if (known)
        {
            if (!value.TryFormat(line[length..], out written, default, CultureInfo.InvariantCulture))
            {
                return false;
            }
        }
        else if (length < line.Length)
        {
            line[length] = '?';
            written = 1;
        }
        else
        {
            return false;
        }

        length += written;
        if (length >= line.Length)
        {
            return false;
        }

        line[length++] = ' ';
        return true;
    }

    /// <summary>Applies one log record; false when it does not parse.</summary>
    internal bool Apply(string record)
    {
        switch (record)
        {
            case ['X', ' ', ..]:
                if (ParseExpunge(record) is not { } expunged)
                {
                    return false;
                }

                lock (Expunged)
                {
                    Expunged.Add(expunged); // ExpungedSince reads it outside the folder lock
                }

                var at = IndexOf(expunged.Uid);
                if (at >= 0)
                {
                    Entries.RemoveAt(at);
                }

                return true;
            case ['E', ' ', ..]:
                if (ParseEntry(record[2..]) is not { } entry)
                {
                    return false;
                }

                var index = IndexOf(entry.Uid);
                if (index >= 0)
                {
                    Entries[index] = entry;
                }
                else
                {
                    Entries.Insert(~index, entry);
                }

                return true;
            case ['F', ' ', ..]:
                return ApplyFlags(record);
            case ['D', ' ', ..]:
                Stamp = record == "D -" ? null : DirectoryStamp.Parse(record[2..]);
                return true;
            default:
                return false;
        }
    }

    private int IndexOf(uint uid) => UidOrder.IndexOf(Entries, uid, static e => e.Uid);

    /// <summary>An F record: the message (which must be there) is now in cur/ as its key followed by the info.</summary>
    private bool ApplyFlags(string record)
    {
        var span = record.AsSpan(2);
        var first = span.IndexOf(' ');
        if (first < 0 || !uint.TryParse(span[..first], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            return false;
        }

        span = span[(first + 1)..];
        var second = span.IndexOf(' ');
        if (second < 0 || !ulong.TryParse(span[..second], NumberStyles.None, CultureInfo.InvariantCulture, out var modSeq))
        {
            return false;
        }

        var info = span[(second + 1)..];
        var at = IndexOf(uid);
        if (at < 0 || !info.StartsWith(MaildirEntryName.InfoPrefix, StringComparison.Ordinal) || info.Contains('/'))
        {
            return false; // a flag change of a message this index does not hold: not this index's log
        }

        var entry = Entries[at];
        entry.FileName = string.Concat(entry.Key, info);
        entry.IsNew = false;
        entry.ModSeq = modSeq;
        entry.Record = null;
        return true;
    }

    private void ClearChanges()
    {
        _changed.Clear();
        _flagsChanged.Clear();
        _newlyExpunged.Clear();
        _stampChanged = false;
        _rewrite = false;
    }

    private static string FormatStamp(DirectoryStamp stamp) =>
        string.Create(CultureInfo.InvariantCulture, $"{stamp.NewTicks},{stamp.CurTicks},{stamp.UidListTicks},{stamp.UidListSize}");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per entry, see WriteBase
    private static void AppendEntry(StringBuilder text, IndexEntry e)
    {
        Span<char> line = stackalloc char[200];
        text.Append(line[..FormatEntryHead(e, line)]).Append(e.FileName).Append('\n');
    }

    private static bool TryParseSize(ReadOnlySpan<byte> text, out long size)
    {
        if (text is [(byte)'?'])
        {
            size = -1;
            return true;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out size);
    }

    private static bool TryParseDate(ReadOnlySpan<byte> text, out long ms)
    {
        if (text is [(byte)'?'])
        {
            ms = MessageFileFacts.UnknownDateMs;
            return true;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ms) && ms != MessageFileFacts.UnknownDateMs;
    }

    private static (uint Uid, ulong ModSeq)? ParseExpunge(string line) => ParseExpunge(Encoding.UTF8.GetBytes(line));

    private static (uint Uid, ulong ModSeq)? ParseExpunge(ReadOnlySpan<byte> line)
    {
        // "X uid modseq"
        var fields = line[2..];
        var space = fields.IndexOf((byte)' ');
        return space >= 0 && uint.TryParse(fields[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            && ulong.TryParse(fields[(space + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var modSeq)
            ? (uid, modSeq)
            : null;
    }

    private static (uint UidValidity, ulong HighestModSeq, long Generation, DirectoryStamp? Stamp, ulong ExpungeFloor)? ParseHeader(string header)
    {
        var fields = header.Split(' ');
        if (fields.Length < 5 || fields[0] != Magic || fields[1] != Version.ToString(CultureInfo.InvariantCulture))
        {
            return null; // another version (an older Facteur's): rebuilt, never misread
        }

        uint? uidValidity = null;
        ulong? highest = null;
        long? generation = null;
        DirectoryStamp? stamp = null;
        ulong floor = 0;
        foreach (var field in fields.Skip(2))
        {
            if (field.Length < 2)
            {
                continue;
            }

            var value = field.AsSpan(1);
            switch (field[0])
            {
                case 'V' when uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v): uidValidity = v; break;
                case 'H' when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var h): highest = h; break;
                case 'G' when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var g): generation = g; break;
                case 'E' when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var e): floor = e; break;
                case 'D': stamp = DirectoryStamp.Parse(field[1..]); break;
            }
        }

        return uidValidity is { } u && highest is { } hm && generation is { } gen ? (u, hm, gen, stamp, floor) : null;
    }

    /// <summary>A log's E record, after its "E ".</summary>
    private static IndexEntry? ParseEntry(string line) => ParseEntry(Encoding.UTF8.GetBytes(line));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per line, see ReadBase
    private static IndexEntry? ParseEntry(ReadOnlySpan<byte> line)
    {
        // uid modseq size mtime summaryOffset summaryLength fetchOffset fetchLength n|c name — the name is the rest of the line.
        const int Fields = 9;
        Span<Range> ranges = stackalloc Range[Fields];
        var position = 0;
        for (var i = 0; i < Fields; i++)
        {
            var space = line[position..].IndexOf((byte)' ');
            if (space < 0)
            {
                return null;
            }

            ranges[i] = new Range(position, position + space);
            position += space + 1;
        }

        var name = line[position..];
        if (name.IsEmpty
            || !uint.TryParse(line[ranges[0]], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || uid == 0
            || !ulong.TryParse(line[ranges[1]], NumberStyles.None, CultureInfo.InvariantCulture, out var modSeq)
            || !TryParseSize(line[ranges[2]], out var size)
            || !TryParseDate(line[ranges[3]], out var mtime)
            || !long.TryParse(line[ranges[4]], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cacheOffset)
            || !int.TryParse(line[ranges[5]], NumberStyles.None, CultureInfo.InvariantCulture, out var cacheLength)
            || !long.TryParse(line[ranges[6]], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var fetchOffset)
            || !int.TryParse(line[ranges[7]], NumberStyles.None, CultureInfo.InvariantCulture, out var fetchLength)
            || line[ranges[8]] is not ([(byte)'n'] or [(byte)'c']))
        {
            return null;
        }

        // The key is cut from the name when first asked for (IndexEntry.Key): a SELECT asks none.
        return new IndexEntry
        {
            Uid = uid,
            FileName = Encoding.UTF8.GetString(name),
            IsNew = line[ranges[8]] is [(byte)'n'],
            ModSeq = modSeq,
            Size = size,
            InternalDateMs = mtime,
            CacheOffset = cacheOffset,
            CacheLength = cacheLength,
            FetchOffset = fetchOffset,
            FetchLength = fetchLength,
        };
    }
}

/// <summary>Whether the in-memory index matches the files.</summary>
internal enum IndexFreshness
{
    /// <summary>Same generation, same log length.</summary>
    Current,

    /// <summary>Same generation, the log has grown: apply the new records.</summary>
    Behind,

    /// <summary>Another base (or none): read it again.</summary>
    Stale,
}
