namespace Facteur.Hosting.Bus;

/// <summary>
/// Read-only view of a format-2 spool file's content (<see cref="SpoolTrailer"/>): the header
/// prefix from memory, then the first <c>messageLength</c> octets of the file, never the trailer.
/// </summary>
internal sealed class SpoolContentStream(byte[] prefix, FileStream file, long messageLength) : Stream
{
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => prefix.Length + messageLength;

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (position < prefix.Length)
        {
            return CopyPrefix(buffer);
        }

        var left = Length - position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        var read = file.Read(buffer[..(int)Math.Min(buffer.Length, left)]);
        position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (position < prefix.Length)
        {
            return CopyPrefix(buffer.Span);
        }

        var left = Length - position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        var read = await file.ReadAsync(buffer[..(int)Math.Min(buffer.Length, left)], cancellationToken).ConfigureAwait(false);
        position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await file.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int CopyPrefix(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, prefix.Length - position);
        prefix.AsSpan((int)position, count).CopyTo(buffer);
        position += count;
        return count;
    }
}
