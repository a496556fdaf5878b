using System.Security.Cryptography;
using Facteur.Hosting.Bus;
using Facteur.MailStore;

namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// A message streaming into a file that becomes a format-2 spool file (<see cref="SpoolTrailer"/>)
/// when sealed: <c>{SpoolRoot}/incoming/&lt;queueid&gt;.eml</c> for a standalone spool entry, or over
/// RabbitMQ its own claim <c>{SpoolRoot}/claims/s&lt;queueid&gt;</c>
/// (<see cref="ClaimCheckRepository.SpillPath"/>). Disposed uncommitted, the file is removed.
/// <para>Over RabbitMQ a message that stays within the inline threshold never needs the file: it is
/// published inline, and the file was neither fsynced nor kept (the broker's confirm is the
/// durability, DESIGN.md promise 1). So the octets stay in memory up to a limit and the file is
/// created only when the message outgrows it (and is then a claim check). That saves per message a
/// create, an unlink, a reopen and read, and the file-system work of allocating and freeing an inode
/// in a busy directory (ext4 scans past every recently freed inode of the group on each create, which
/// the profile showed).</para>
/// </summary>
internal sealed class SpooledMessage : ISpooledMessage
{
    private readonly int memoryLimit;
    private readonly IncrementalHash hash = SpoolTrailer.NewHash();
    private readonly HashingStream content;
    private FileStream? file;
    private MemoryStream? memory;

    /// <summary>
    /// A message kept in memory while it stays within <paramref name="memoryLimit"/> octets (0: straight
    /// into the file, made now); past it the file is created at <paramref name="path"/> and the fsync of
    /// its directory starts (<see cref="EntryCreated"/>).
    /// </summary>
    public SpooledMessage(string queueId, string path, int memoryLimit)
    {
        QueueId = queueId;
        Path = path;
        this.memoryLimit = memoryLimit;
        content = new HashingStream(this);
        if (memoryLimit == 0)
        {
            EnsureFile();
        }
    }

    public string QueueId { get; }

    /// <summary>Where the spool file is, or will be once <see cref="EnsureFile"/> made it.</summary>
    public string Path { get; }

    public Stream Content => content;

    /// <summary>
    /// The fsync of the file's directory, started right after the file was created (<c>incoming/</c>
    /// for a standalone spool entry, <c>claims/</c> for a message that spilled over RabbitMQ): it makes
    /// the file's directory entry durable while the client is still sending, so the commit waits
    /// for the file's own fsync alone. Completed when there is no file or nothing to wait for.
    /// </summary>
    public Task EntryCreated { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Header fields decided after the last octet (inbound Authentication-Results) that go in
    /// front of the spooled content. They are written after the message in the spool file's
    /// trailer, and readers put them in front, so the message is written and fsynced once.
    /// </summary>
    public byte[]? HeaderPrefix { get; set; }

    /// <summary>Set once the intake owns the file's fate (moved to the claim check, kept as a spool entry or deleted).</summary>
    public bool Committed { get; set; }

    /// <summary>Message octets written so far.</summary>
    public long Length => content.Written;

    /// <summary>True while every octet is in memory and there is no spool file.</summary>
    public bool InMemory => file is null;

    /// <summary>The octets written so far, while <see cref="InMemory"/> (empty otherwise); valid until the next write.</summary>
    public ArraySegment<byte> Buffered =>
        file is null && memory is not null ? new ArraySegment<byte>(memory.GetBuffer(), 0, (int)memory.Length) : ArraySegment<byte>.Empty;

    /// <summary>The header prefix, then the message, in one array (a message still in memory only).</summary>
    public byte[] ToArrayWithPrefix(byte[] prefix)
    {
        if (file is not null)
        {
            throw new InvalidOperationException("The message is in the spool file, not in memory.");
        }

        var buffered = Buffered;
        var bytes = new byte[prefix.Length + buffered.Count];
        prefix.CopyTo(bytes, 0);
        buffered.AsSpan().CopyTo(bytes.AsSpan(prefix.Length));
        return bytes;
    }

    /// <summary>Creates the spool file if the message is still in memory, and writes what was buffered into it.</summary>
    public void EnsureFile()
    {
        if (file is not null)
        {
            return;
        }

        file = new FileStream(Path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 64 * 1024,
            Options = FileOptions.Asynchronous,
        });

        // POSIX: only an fsync of the directory makes a new name durable. Started now, it runs while
        // the client sends the rest, so the commit waits for one fsync, the file's, as Postfix's
        // cleanup does; sessions creating files together share it (group commit).
        EntryCreated = DirectorySync.FsyncAsync(System.IO.Path.GetDirectoryName(Path)!, CancellationToken.None);

        if (memory is not null)
        {
            var buffered = new ReadOnlySpan<byte>(memory.GetBuffer(), 0, (int)memory.Length);
            hash.AppendData(buffered);
            file.Write(buffered);
            memory = null;
        }
    }

    /// <summary>Flushes, fsyncs when asked, and closes the file (created first if needed), which holds the message octets only.</summary>
    public void Close(bool fsync)
    {
        EnsureFile();
        file!.Flush(flushToDisk: fsync);
        file.Dispose();
    }

    /// <summary>Appends the trailer (header prefix, envelope, footer), flushes, fsyncs when asked and closes: a format-2 spool file.</summary>
    public async Task SealAsync(byte[] envelope, bool fsync, CancellationToken cancellationToken)
    {
        await SealOpenAsync(envelope, cancellationToken).ConfigureAwait(false);
        Close(fsync);
    }

    /// <summary>
    /// Appends the trailer (header prefix, envelope, footer) and hands every octet to the kernel
    /// (write(2), no fsync), keeping the file open: a reader that opens the file from now on sees
    /// it whole, and <see cref="SyncAndClose"/> makes it durable later through this same handle,
    /// whatever has become of its name by then (renamed, or deleted by delivery).
    /// </summary>
    public async Task SealOpenAsync(byte[] envelope, CancellationToken cancellationToken)
    {
        EnsureFile();
        await SpoolTrailer.AppendAsync(file!, content.Written, HeaderPrefix ?? [], envelope, hash, cancellationToken).ConfigureAwait(false);
        await file!.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// fsync(2) of the open handle, then close. An fsync of a file whose last name was unlinked
    /// meanwhile still succeeds (the inode lives while the handle is open), so the claim's
    /// durability never depends on finding it again by path.
    /// </summary>
    public void SyncAndClose() => Close(fsync: true);

    public async ValueTask DisposeAsync()
    {
        var created = file is not null;
        if (file is not null)
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }

        memory = null;
        hash.Dispose();
        if (!Committed && created)
        {
            File.Delete(Path);
        }

        // Observed here so a failed early directory fsync of an abandoned message is not left unobserved.
        if (!Committed && EntryCreated.IsFaulted)
        {
            _ = EntryCreated.Exception;
        }
    }

    /// <summary>Where the next octets go: memory while they fit under the limit, else the file (made now if need be).</summary>
    private FileStream? Target(int count)
    {
        if (file is null && content.Written + count <= memoryLimit)
        {
            memory ??= new MemoryStream(Math.Min(memoryLimit, 8 * 1024));
            return null;
        }

        EnsureFile();
        return file;
    }

    /// <summary>Write-only pass-through: memory, or the spool file with every octet fed to its hash.</summary>
    private sealed class HashingStream(SpooledMessage owner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position
        {
            get => Written;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (owner.Target(buffer.Length) is { } file)
            {
                owner.hash.AppendData(buffer);
                file.Write(buffer);
            }
            else
            {
                owner.memory!.Write(buffer);
            }

            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (owner.Target(buffer.Length) is { } file)
            {
                owner.hash.AppendData(buffer.Span);
                Written += buffer.Length;
                return file.WriteAsync(buffer, cancellationToken);
            }

            owner.memory!.Write(buffer.Span);
            Written += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush() => owner.file?.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            owner.file?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
