using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Facteur.MailStore.Folders;

/// <summary>
/// The RFC 822 size of a message file: its octets with every bare LF counted as CRLF. This is
/// Dovecot's "virtual size" (the <c>W=</c> of file names) and what POP3 LIST and IMAP RFC822.SIZE
/// report, because that is what goes on the wire.
/// </summary>
public static class MessageVirtualSize
{
    private const int ChunkSize = 64 * 1024;

    public static long Compute(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long size = 0;
            var previous = (byte)0;
            int read;
            while ((read = stream.Read(buffer, 0, ChunkSize)) > 0)
            {
                size += read + BareLineFeeds(buffer.AsSpan(0, read), ref previous);
            }

            return size;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The size of the file at <paramref name="path"/>, or null when it vanished.</summary>
    /// <remarks>
    /// A first scan of a Maildir without <c>W=</c> in its names computes this for every file, so it is
    /// one open(2) and pread(2)s into a pooled buffer (no FileStream, no 64 KB array per file), and a
    /// short read ends the file: Maildir files never grow once they are in new/ or cur/.
    /// </remarks>
    public static long? Compute(string path)
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        using (file)
        {
            return Compute(file);
        }
    }

    /// <summary>The size of the open file <paramref name="file"/>, read from offset 0 (its position, if any, is left alone).</summary>
    public static long Compute(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long offset = 0, bare = 0;
            var previous = (byte)0;
            int read;
            while ((read = RandomAccess.Read(file, buffer.AsSpan(0, ChunkSize), offset)) > 0)
            {
                offset += read;
                bare += BareLineFeeds(buffer.AsSpan(0, read), ref previous);
                if (read < ChunkSize)
                {
                    break;
                }
            }

            return offset + bare;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>How many LFs in <paramref name="chunk"/> have no CR before them (<paramref name="previous"/> is the byte before the chunk).</summary>
    internal static long BareLineFeeds(ReadOnlySpan<byte> chunk, ref byte previous)
    {
        if (chunk.IsEmpty)
        {
            return 0;
        }

        long bare = 0;
        var before = previous;
        var rest = chunk;
        int newline;
        // A vectorised search per line instead of a test per byte.
        while ((newline = rest.IndexOf((byte)'\n')) >= 0)
        {
            if ((newline == 0 ? before : rest[newline - 1]) != (byte)'\r')
            {
                bare++;
            }

            before = (byte)'\n';
            rest = rest[(newline + 1)..];
        }

        previous = chunk[^1];
        return bare;
    }
}
