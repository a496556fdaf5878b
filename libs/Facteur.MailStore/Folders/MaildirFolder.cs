using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>
/// One Maildir folder (INBOX is the Maildir++ root, other folders <c>.Name</c>): scanning with
/// UID assignment through <c>dovecot-uidlist</c>, flag changes by rename, deletion. Every operation
/// tolerates another process (a replica, IMAP, delivery) renaming or deleting files meanwhile: a
/// file that is not where it was last seen is looked up again by its key.
/// </summary>
public sealed class MaildirFolder
{
    public const string UidListFileName = "dovecot-uidlist";
    public const string UidListLockFileName = "dovecot-uidlist.lock";

    /// <summary>Dovecot's stale timeout for the uidlist lock (MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT).</summary>
    public static readonly TimeSpan UidListLockStaleAfter = TimeSpan.FromMinutes(2);

    public MaildirFolder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    public string Path { get; }

    /// <summary>How long <see cref="SynchronizeAsync"/> waits for the uidlist lock.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string UidListPath => System.IO.Path.Combine(Path, UidListFileName);

    public bool Exists => Directory.Exists(System.IO.Path.Combine(Path, "cur"));

    public void EnsureCreated()
    {
        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, sub));
        }
    }

    public string FullPath(MaildirMessage message) => System.IO.Path.Combine(Path, message.SubDirectory, message.FileName);

    /// <summary>
    /// The RFC 822 sizes the IMAP store has already counted into this folder's <c>facteur-index</c>,
    /// by key; null when there is no readable index. The IMAP sync indexes a folder from its listing
    /// alone and counts a size on first use (as Dovecot does), so a message whose name has no
    /// <c>W=</c> may have its size only there: POP3 takes it from here instead of reading the file
    /// again, as Dovecot's POP3 reads the vsize its IMAP left in the index cache. A key's file never
    /// changes content (Maildir), so a size found for the key is the file's.
    /// </summary>
    public IReadOnlyDictionary<string, long>? IndexedVirtualSizes()
    {
        if (Index.FolderIndexFile.Read(System.IO.Path.Combine(Path, Index.FolderIndexFile.FileName)) is not { } index)
        {
            return null;
        }

        var sizes = new Dictionary<string, long>(index.Entries.Count, StringComparer.Ordinal);
        foreach (var entry in index.Entries)
        {
            if (entry.Size >= 0)
            {
                sizes[entry.Key] = entry.Size;
            }
        }

        return sizes;
    }

    /// <summary>
    /// Brings <c>dovecot-uidlist</c> up to date with the files on disk under its lock: new files get
    /// the next UIDs in a stable order (by key), files that moved or changed flags keep theirs, UIDs
    /// of vanished files are dropped and never reused. Returns the folder's messages in UID order.
    /// </summary>
    public async Task<MaildirSnapshot> SynchronizeAsync(CancellationToken cancellationToken = default)
    {
        EnsureCreated();
        using var uidLock = await DotLock.AcquireAsync(System.IO.Path.Combine(Path, UidListLockFileName), UidListLockStaleAfter, LockTimeout, cancellationToken).ConfigureAwait(false);
        return SynchronizeLocked(cancellationToken);
    }

    /// <summary>
    /// The work of <see cref="SynchronizeAsync"/> under the uidlist lock. Its loops run once per call over
    /// every message (10,000 at a POP3 login), so they are compiled optimized at once: left to tiered
    /// compilation they ran as tier-0 code with on-stack replacement, and the first such scan of a process
    /// cost about five times the CPU of later ones (measured: ≈50 ms against ≈10 ms).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private MaildirSnapshot SynchronizeLocked(CancellationToken cancellationToken)
    {
        var existing = ReadUidList();
        var document = existing ?? UidListDocument.CreateNew(DateTimeOffset.UtcNow);
        var changed = existing is null;

        var before = Index.DirectoryStamp.Read(Path, UidListPath);
        var beforeReadUtc = DateTime.UtcNow;
        var onDisk = Scan();
        var checkedAgain = false;
        var gone = 0;
        var messages = new List<MaildirMessage>(onDisk.Count);
        var kept = new List<UidListRecord>(document.Records.Count);
        foreach (var record in document.Records)
        {
            if (!onDisk.TryGetValue(record.Key, out var entry) && !checkedAgain)
            {
                // A concurrent rename (flags, new/ → cur/) can hide a file from one directory listing. It sets
                // new/'s or cur/'s time to the clock's now: times settled before the listing and unchanged since
                // mean nothing moved while it ran. Otherwise look again (once) before deciding a UID is gone.
                checkedAgain = true;
                if (!ListingWasStill(before, beforeReadUtc))
                {
                    foreach (var (key, again) in Scan())
                    {
                        onDisk.TryAdd(key, again);
                    }

                    onDisk.TryGetValue(record.Key, out entry);
                }
            }

            if (entry is null)
            {
                gone++;
                continue;
            }

            // A key listed twice (only its first UID counts): the list is repaired.
            if (entry.Claimed)
            {
                changed = true;
                continue;
            }

            entry.Claimed = true;
            kept.Add(record);
            messages.Add(ToMessage(record, entry));
        }

        var added = onDisk.Where(e => !e.Value.Claimed).Select(e => e.Key).ToList();
        added.Sort(StringComparer.Ordinal);
        foreach (var key in added)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = onDisk[key];
            var extensions = new List<string>();
            // Dovecot keeps the virtual size in the uidlist when the name lacks W=; doing the
            // same spares every later POP3 session from reading the file to answer LIST.
            if (entry.Name.VirtualSize is null
                && MessageVirtualSize.Compute(System.IO.Path.Combine(Path, entry.SubDirectory, entry.FileName)) is { } vsize)
            {
                extensions.Add(string.Create(CultureInfo.InvariantCulture, $"W{vsize}"));
            }

            var record = new UidListRecord(document.NextUid++, key, extensions);
            kept.Add(record);
            messages.Add(ToMessage(record, entry));
            changed = true;
        }

        // Records of expunged messages stay in the list, as Dovecot and the IMAP store leave them, until a quarter of
        // the records have no file (then, or with any other change, the list is written without them): rewriting
        // and syncing ≈ 460 KB at 10,000 messages for one message taken elsewhere was most of a POP3 login after an
        // IMAP EXPUNGE, and moved the list's time so the next login scanned again. Every reader skips such a record,
        // and its UID is never given again (NextUid stays).
        if (changed || gone > kept.Count / 3)
        {
            document.Records.Clear();
            document.Records.AddRange(kept);
            WriteUidList(document);
        }

        return new MaildirSnapshot(document.UidValidity, document.NextUid, messages);
    }

    /// <summary>Reads <c>dovecot-uidlist</c> as it is (no lock, no scan), or null when there is none or it is unreadable.</summary>
    public UidListDocument? ReadUidList()
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
            // A corrupt list is rebuilt like Dovecot does: new UIDVALIDITY, clients resync.
            return null;
        }
    }

    /// <summary>Where the message's file is now, or null when it was deleted (expunged elsewhere).</summary>
    public MaildirMessage? Locate(MaildirMessage message)
    {
        if (File.Exists(FullPath(message)))
        {
            return message;
        }

        // cur/ first: files only ever move from new/ to cur/.
        foreach (var isNew in (bool[])[false, true])
        {
            var directory = System.IO.Path.Combine(Path, isNew ? "new" : "cur");
            if (FindByKey(directory, message.Key) is { } name)
            {
                var parsed = MaildirEntryName.Parse(name);
                return message with { FileName = name, IsNew = isNew, Flags = parsed.Flags, Keywords = parsed.Keywords };
            }
        }

        return null;
    }

    /// <summary>Opens the message for reading wherever it is now; null when it is gone.</summary>
    public Stream? OpenRead(MaildirMessage message)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = Locate(message);
            if (current is null)
            {
                return null;
            }

            try
            {
                return new FileStream(FullPath(current), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            }
            catch (FileNotFoundException)
            {
                message = current;
            }
        }

        return null;
    }

    /// <summary>
    /// Adds and removes system flags by renaming into cur/ (a message in new/ moves to cur/ on any
    /// change, as Dovecot does). Returns the message as it is now, or null when it is gone.
    /// </summary>
    public MaildirMessage? ChangeFlags(MaildirMessage message, MaildirFlags add, MaildirFlags remove = MaildirFlags.None)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = Locate(message);
            if (current is null)
            {
                return null;
            }

            var flags = (current.Flags | add) & ~remove;
            var name = new MaildirEntryName(current.Key, flags, current.Keywords, null, null).WithInfo(flags, current.Keywords);
            if (!current.IsNew && name == current.FileName)
            {
                return current;
            }

            try
            {
                File.Move(FullPath(current), System.IO.Path.Combine(Path, "cur", name), overwrite: false);
                return current with { FileName = name, IsNew = false, Flags = flags };
            }
            catch (FileNotFoundException)
            {
                message = current; // renamed by someone else meanwhile: look again
            }
            catch (IOException) when (File.Exists(System.IO.Path.Combine(Path, "cur", name)))
            {
                message = current; // someone else already set the same flags
            }
        }

        return Locate(message);
    }

    /// <summary>Deletes the message's file wherever it is now. False when it was already gone.</summary>
    public bool Delete(MaildirMessage message)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = Locate(message);
            if (current is null)
            {
                return false;
            }

            if (File.Exists(FullPath(current)))
            {
                try
                {
                    File.Delete(FullPath(current));
                    if (!File.Exists(FullPath(current)))
                    {
                        return true;
                    }
                }
                catch (FileNotFoundException)
                {
                }
                catch (DirectoryNotFoundException)
                {
                }
            }

            message = current;
        }

        return false;
    }

    /// <summary>True when new/ and cur/ had settled when <paramref name="before"/> was read and have not moved since.</summary>
    private bool ListingWasStill(Index.DirectoryStamp before, DateTime beforeReadUtc) =>
        before.DirectoriesSettled(beforeReadUtc)
        && Index.DirectoryStamp.Read(Path, UidListPath) is var now
        && now.NewTicks == before.NewTicks && now.CurTicks == before.CurTicks;

    private void WriteUidList(UidListDocument document)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        document.WriteTo(text);
        AtomicFile.Write(UidListPath, text.ToString());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per sync over every file (see SynchronizeLocked)
    private Dictionary<string, DiskEntry> Scan()
    {
        // new/ listed before cur/: a file moving new/ → cur/ during the scan is then seen at least once.
        var inNew = SafeEnumerate(System.IO.Path.Combine(Path, "new"));
        var inCur = SafeEnumerate(System.IO.Path.Combine(Path, "cur"));
        var entries = new Dictionary<string, DiskEntry>(inNew.Count + inCur.Count, StringComparer.Ordinal);
        foreach (var (names, isNew) in (ReadOnlySpan<(List<string>, bool)>)[(inNew, true), (inCur, false)])
        {
            foreach (var fileName in names)
            {
                var name = MaildirEntryName.Parse(fileName);
                if (name.Key.Length == 0)
                {
                    continue;
                }

                // Seen in both (moved while scanning): the cur/ copy is the current one.
                entries[name.Key] = new DiskEntry(fileName, isNew, name);
            }
        }

        return entries;
    }

    /// <summary>
    /// The file names in <paramref name="directory"/> (no dot files, no directories), or none when it is gone or
    /// cannot be read (a POP3 maildrop then shows what it can, as before).
    /// </summary>
    private static List<string> SafeEnumerate(string directory)
    {
        try
        {
            using var listing = DirectoryListing.Read(directory);
            return listing.ToStrings();
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The file in <paramref name="directory"/> with Maildir key <paramref name="key"/>, or null (see <see cref="SafeEnumerate"/>).</summary>
    private static string? FindByKey(string directory, string key)
    {
        try
        {
            return DirectoryListing.FindByKey(directory, key);
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static MaildirMessage ToMessage(UidListRecord record, DiskEntry entry)
    {
        long? vsize = entry.Name.VirtualSize;
        if (vsize is null && record.Extension('W') is { } w
            && long.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out var fromList))
        {
            vsize = fromList;
        }

        return new MaildirMessage(record.Uid, record.Key, entry.FileName, entry.IsNew, entry.Name.Flags, entry.Name.Keywords, vsize, record.Extension('P'));
    }

    private sealed record DiskEntry(string FileName, bool IsNew, MaildirEntryName Name)
    {
        public string SubDirectory => IsNew ? "new" : "cur";

        /// <summary>Matched to a uidlist record during this synchronisation.</summary>
        public bool Claimed { get; set; }
    }
}
