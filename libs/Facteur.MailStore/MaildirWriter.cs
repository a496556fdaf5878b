using System.Buffers;
using System.Text;

namespace Facteur.MailStore;

/// <summary>
/// Delivers messages into Maildir++ mailboxes under <c>{MailRoot}/{domain}/{localpart}/</c> the way
/// Dovecot's LDA does: write into <c>tmp/</c>, fsync the file, rename into <c>new/</c>, fsync
/// <c>new/</c>. A reader never sees a partial file, and once <see cref="DeliverAsync"/> returns
/// the copy survives a crash. File names are deterministic per (queue id, mailbox, folder), so a
/// redelivered message is recognised and not written twice.
/// </summary>
public sealed class MaildirWriter
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode NewFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const int BufferSize = 64 * 1024;

    private static long tmpCounter;

    private readonly string mailRoot;
    private readonly string hostname;

    public MaildirWriter(string mailRoot, string hostname)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailRoot);
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        this.mailRoot = Path.GetFullPath(mailRoot);
        this.hostname = hostname;
    }

    /// <summary>Observes every directory fsync (tests check the durable path is taken).</summary>
    internal Action<string>? DirectorySynced { get; set; }

    /// <summary>The Maildir++ directory of a mailbox folder (INBOX is the mailbox root).</summary>
    public string MailboxDirectory(string mailbox, string? folder)
    {
        var (localPart, domain) = MailboxName.SplitMailbox(mailbox);
        var root = Path.Combine(mailRoot, domain, localPart);
        var folderDirectory = MailboxName.FolderDirectory(folder);
        return folderDirectory is null ? root : Path.Combine(root, folderDirectory);
    }

    /// <summary>
    /// Looks for an earlier delivery of this copy in <c>new/</c> and <c>cur/</c> (where an IMAP
    /// client moves messages it has seen, adding <c>:2,flags</c>). Costs a directory scan, so
    /// callers do it only when the message may be a redelivery.
    /// </summary>
    public MaildirDelivery? FindExisting(MaildirCopy copy)
    {
        var directory = MailboxDirectory(copy.Mailbox, copy.Folder);
        var baseName = MaildirFileName.BaseName(copy.QueueId, copy.ReceivedAt, copy.Mailbox, copy.Folder, hostname);
        foreach (var sub in (ReadOnlySpan<string>)["new", "cur"])
        {
            var path = Path.Combine(directory, sub);
            if (!Directory.Exists(path))
            {
                continue;
            }

            // The base name is a prefix; the pattern only narrows the scan, HasBaseName decides.
            foreach (var file in Directory.EnumerateFiles(path, baseName + "*"))
            {
                var name = Path.GetFileName(file);
                if (MaildirFileName.HasBaseName(name, baseName))
                {
                    return new MaildirDelivery(file, name, new FileInfo(file).Length, AlreadyPresent: true);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Writes <c>Return-Path</c> and <c>Delivered-To</c> (Postfix/Dovecot LDA order), then
    /// <paramref name="content"/> byte for byte, streaming. Returns once the copy is durable in new/.
    /// </summary>
    public async Task<MaildirDelivery> DeliverAsync(MaildirCopy copy, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(copy);
        ArgumentNullException.ThrowIfNull(content);
        var directory = MailboxDirectory(copy.Mailbox, copy.Folder);
        var (localPart, domain) = MailboxName.SplitMailbox(copy.Mailbox);
        var headers = TraceHeaders(copy.ReversePath, $"{localPart}@{domain}");
        var baseName = MaildirFileName.BaseName(copy.QueueId, copy.ReceivedAt, copy.Mailbox, copy.Folder, hostname);

        if (copy.MayBeRedelivery && FindExisting(copy) is { } earlier)
        {
            RemoveAbandonedTmp(copy);
            return earlier;
        }

        EnsureMaildir(directory, isFolder: copy.Folder is not null && MailboxName.FolderDirectory(copy.Folder) is not null);

        // The tmp name only has to be unique among concurrent writers (two workers may hold the
        // same redelivered message); the final name is the deterministic one.
        var tmpPath = Path.Combine(directory, "tmp",
            $"{baseName}.{Environment.ProcessId}.{Interlocked.Increment(ref tmpCounter)}");
        long size;
        long virtualSize;
        try
        {
            (size, virtualSize) = WriteTmp(tmpPath, headers, content, cancellationToken);
        }
        catch
        {
            TryDelete(tmpPath);
            throw;
        }

        var fileName = MaildirFileName.WithSizes(baseName, size, virtualSize);
        var newDirectory = Path.Combine(directory, "new");
        var newPath = Path.Combine(newDirectory, fileName);
        if (File.Exists(newPath))
        {
            // A previous attempt got this far; the copy is already durable.
            TryDelete(tmpPath);
            return new MaildirDelivery(newPath, fileName, size, AlreadyPresent: true);
        }

        try
        {
            // rename(2): atomic, and replaces a same-named file a concurrent duplicate might have
            // renamed a moment ago, so even a race ends with exactly one file.
            File.Move(tmpPath, newPath, overwrite: true);
        }
        catch (FileNotFoundException) when (File.Exists(newPath))
        {
            // A concurrent writer of the same redelivered copy got there first and removed this
            // attempt's tmp file as abandoned (RemoveAbandonedTmp); its copy is the same message.
            return new MaildirDelivery(newPath, fileName, size, AlreadyPresent: true);
        }
        catch
        {
            TryDelete(tmpPath);
            throw;
        }

        // Group commit: concurrent deliveries into this mailbox share one fsync of new/, and each
        // returns only once an fsync that began after its own rename has finished.
        await DirectorySync.FsyncAsync(newDirectory, cancellationToken).ConfigureAwait(false);
        DirectorySynced?.Invoke(newDirectory);
        if (copy.MayBeRedelivery)
        {
            RemoveAbandonedTmp(copy);
        }

        return new MaildirDelivery(newPath, fileName, size, AlreadyPresent: false);
    }

    /// <summary>
    /// Removes the <c>tmp/</c> files of earlier attempts at this copy: a process killed between
    /// creating its tmp file and the rename leaves one behind (the message itself is redelivered
    /// from the spool or the queue). Call it only once the copy is durable in <c>new/</c> or
    /// <c>cur/</c>, so whatever those files hold is already delivered. Dovecot leaves such files to
    /// its 36-hour tmp/ sweep; here the redelivery that replaces them knows their names.
    /// </summary>
    public int RemoveAbandonedTmp(MaildirCopy copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        var tmp = Path.Combine(MailboxDirectory(copy.Mailbox, copy.Folder), "tmp");
        if (!Directory.Exists(tmp))
        {
            return 0;
        }

        // Tmp names are "{base name}.{pid}.{counter}": the trailing dot keeps another copy whose
        // base name merely starts with this one out.
        var baseName = MaildirFileName.BaseName(copy.QueueId, copy.ReceivedAt, copy.Mailbox, copy.Folder, hostname);
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(tmp, baseName + ".*"))
        {
            if (TryDelete(file))
            {
                removed++;
            }
        }

        return removed;
    }

    private static byte[] TraceHeaders(string reversePath, string deliveredTo)
    {
        foreach (var c in reversePath)
        {
            if (c is '\r' or '\n' or '\0' || c == '<' || c == '>')
            {
                throw new ArgumentException("The reverse-path contains a character that cannot go into Return-Path.", nameof(reversePath));
            }
        }

        // RFC 5321 §4.4: Return-Path carries the reverse-path, <> for the null sender.
        return Encoding.UTF8.GetBytes($"Return-Path: <{reversePath}>\r\nDelivered-To: {deliveredTo}\r\n");
    }

    /// <summary>
    /// Writes the trace headers and the content into the tmp file and fsyncs it, all synchronously
    /// on the caller's thread. The content is the spool or claim file (local) or a byte array, and
    /// .NET has no kernel asynchronous file I/O on Linux: every awaited read or write of a file is a
    /// hand-off to another thread-pool thread that then runs the same blocking pread/pwrite (a few
    /// microseconds from the page cache) — six hand-offs for a 100 KB copy, each a wake-up and a
    /// context switch on a busy machine, and the fsync below blocks this thread anyway. The headers
    /// share the first write with the start of the content, so a copy below 64 KB is one pwrite(2).
    /// </summary>
    private static (long Size, long VirtualSize) WriteTmp(string tmpPath, byte[] headers, Stream content, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            Options = FileOptions.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = NewFileMode;
        }

        // Room for the headers and a full block of content, whatever the headers' length: every write but the last is one whole buffer.
        var chunk = BufferSize + headers.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(chunk);
        try
        {
            using var file = new FileStream(tmpPath, options);
            var counter = new VirtualSizeCounter();
            headers.CopyTo(buffer, 0);
            counter.Add(headers);
            var filled = headers.Length;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = content.Read(buffer, filled, chunk - filled);
                if (read == 0)
                {
                    break;
                }

                counter.Add(buffer.AsSpan(filled, read));
                filled += read;
                if (filled == chunk)
                {
                    file.Write(buffer, 0, filled);
                    filled = 0;
                }
            }

            if (filled > 0)
            {
                file.Write(buffer, 0, filled);
            }

            // fsync(2) of the data before the rename makes it visible (Flush(true) → fsync).
            file.Flush(flushToDisk: true);
            return (counter.Size, counter.VirtualSize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void EnsureMaildir(string directory, bool isFolder)
    {
        if (isFolder)
        {
            // A Maildir++ folder lives inside the mailbox root, which must be a Maildir itself.
            EnsureMaildir(Path.GetDirectoryName(directory)!, isFolder: false);
        }

        if (Directory.Exists(Path.Combine(directory, "new"))
            && Directory.Exists(Path.Combine(directory, "cur"))
            && Directory.Exists(Path.Combine(directory, "tmp")))
        {
            return;
        }

        EnsureDirectory(directory);
        EnsureDirectory(Path.Combine(directory, "cur"));
        EnsureDirectory(Path.Combine(directory, "new"));
        EnsureDirectory(Path.Combine(directory, "tmp"));
        if (isFolder)
        {
            // Dovecot and Courier mark folders with an empty 'maildirfolder' file.
            var marker = Path.Combine(directory, "maildirfolder");
            if (!File.Exists(marker))
            {
                using (File.Create(marker))
                {
                }
            }
        }

        SyncDirectory(directory);
    }

    /// <summary>Creates missing directories one level at a time (mode 0700) and fsyncs each parent, so the new entries are durable too.</summary>
    private void EnsureDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        var parent = Path.GetDirectoryName(path);
        if (parent is not null)
        {
            EnsureDirectory(parent);
        }

        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, DirectoryMode);
            }
        }
        catch (IOException) when (Directory.Exists(path))
        {
            // Another worker created it first.
        }

        if (parent is not null)
        {
            SyncDirectory(parent);
        }
    }

    private void SyncDirectory(string directory)
    {
        DirectorySync.Fsync(directory);
        DirectorySynced?.Invoke(directory);
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
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
}
