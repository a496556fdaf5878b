using System.Security.Cryptography;
using Facteur.Hosting.Bus;

namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// A message streaming into <c>{SpoolRoot}/incoming/&lt;queueid&gt;.eml</c>, which becomes a
/// format-2 spool file (<see cref="SpoolTrailer"/>) when sealed. Disposed uncommitted, the file is removed.
/// </summary>
internal sealed class SpooledMessage : ISpooledMessage
{
    private readonly FileStream file;
    private readonly IncrementalHash hash = SpoolTrailer.NewHash();
    private readonly HashingStream content;

    public SpooledMessage(string queueId, string path, FileStream file, Task? entryCreated = null)
    {
        QueueId = queueId;
        Path = path;
        this.file = file;
        content = new HashingStream(file, hash);
        EntryCreated = entryCreated ?? Task.CompletedTask;
    }

    public string QueueId { get; }

    public string Path { get; }

    public Stream Content => content;

    /// <summary>
    /// The fsync of <c>incoming/</c> started right after the file was created (standalone only): it
    /// makes the file's directory entry durable while the client is still sending, so the commit
    /// waits for the file's own fsync alone.
    /// </summary>
    public Task EntryCreated { get; }

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

    /// <summary>Flushes, fsyncs when asked, and closes the file, which holds the message octets only.</summary>
    public void Close(bool fsync)
    {
        file.Flush(flushToDisk: fsync);
        file.Dispose();
    }

    /// <summary>Appends the trailer (header prefix, envelope, footer), flushes, fsyncs when asked and closes: a format-2 spool file.</summary>
    public async Task SealAsync(byte[] envelope, bool fsync, CancellationToken cancellationToken)
    {
        await SpoolTrailer.AppendAsync(file, content.Written, HeaderPrefix ?? [], envelope, hash, cancellationToken).ConfigureAwait(false);
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
        await SpoolTrailer.AppendAsync(file, content.Written, HeaderPrefix ?? [], envelope, hash, cancellationToken).ConfigureAwait(false);
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// fsync(2) of the open handle, then close. An fsync of a file whose last name was unlinked
    /// meanwhile still succeeds (the inode lives while the handle is open), so the claim's
    /// durability never depends on finding it again by path.
    /// </summary>
    public void SyncAndClose() => Close(fsync: true);

    public async ValueTask DisposeAsync()
    {
        await file.DisposeAsync().ConfigureAwait(false);
        hash.Dispose();
        if (!Committed)
        {
            File.Delete(Path);
        }

        // Observed here so a failed early directory fsync of an abandoned message is not left unobserved.
        if (!Committed && EntryCreated.IsFaulted)
        {
            _ = EntryCreated.Exception;
        }
    }

    /// <summary>Write-only pass-through that feeds every octet to the spool file's hash.</summary>
    private sealed class HashingStream(FileStream file, IncrementalHash hash) : Stream
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
            hash.AppendData(buffer);
            file.Write(buffer);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            Written += buffer.Length;
            return file.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush() => file.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
