namespace Facteur.Cli.Mbox;

/// <summary>
/// Where one imported message is written while its name is not yet known: in memory up to a threshold, in a
/// file (<paramref name="path"/>) past it, so memory stays bounded for a 50 MB message while the common case —
/// a message a previous run already imported — costs no file created, written and deleted.
/// </summary>
internal sealed class SpillStream(string? path, MemoryStream buffer, int threshold) : Stream
{
    private FileStream? _file;
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> bytes)
    {
        if (_file is null && buffer.Length + bytes.Length > threshold && path is not null)
        {
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
            _file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            buffer.SetLength(0);
        }

        if (_file is not null)
        {
            _file.Write(bytes);
        }
        else if (path is not null)
        {
            buffer.Write(bytes);
        }

        _length += bytes.Length;
    }

    /// <summary>Writes what is still in memory to the file and closes it (not fsynced: see <see cref="Files.StagedFiles"/>).</summary>
    public void Save()
    {
        if (path is null)
        {
            throw new InvalidOperationException("a dry run saves nothing");
        }

        _file ??= new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        _file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        buffer.SetLength(0);
        _file.Dispose();
    }

    /// <summary>Drops the message: the file, if one was started, is deleted.</summary>
    public void Discard()
    {
        buffer.SetLength(0);
        if (_file is null)
        {
            return;
        }

        _file.Dispose();
        _file = null;
        try
        {
            File.Delete(path!);
        }
        catch (IOException)
        {
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file?.Dispose();
        }

        base.Dispose(disposing);
    }
}
