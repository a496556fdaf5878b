using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Facteur.MailStore.Folders;

/// <summary>
/// A message's header (its octets through the empty line that ends it, every line end made CRLF, as
/// IMAP sends BODY[HEADER]), read from an open file in pooled blocks — and, when asked, its RFC 822
/// ("virtual") size counted from the same reads. A header FETCH of a folder whose sizes were not read
/// yet then reads each file once instead of once for RFC822.SIZE and once more for the header.
/// </summary>
public static class MessageHeaderRead
{
    /// <summary>The first read: most headers and most whole messages fit, so one pread(2) does.</summary>
    private const int FirstBlock = 64 * 1024;

    /// <summary>The first read when the size is known already: a header rarely passes 8 KiB.</summary>
    private const int HeaderBlock = 8 * 1024;

    /// <summary>
    /// Reads the header of <paramref name="file"/> from offset 0, and its virtual size (octets, bare LFs
    /// counted as CRLF) when <paramref name="countSize"/>, else -1 for it. A short read ends the file:
    /// Maildir files never change once they are in new/ or cur/.
    /// </summary>
    public static (byte[] Header, long VirtualSize) Read(SafeFileHandle file, bool countSize)
    {
        ArgumentNullException.ThrowIfNull(file);
        var reader = new HandleRead(file);
        return Read(ref reader, countSize);
    }

    /// <summary>The same, over any positioned reader (a raw descriptor: <see cref="Index.MessageFileReader"/>).</summary>
    internal static (byte[] Header, long VirtualSize) Read<TRead>(ref TRead file, bool countSize)
        where TRead : struct, IPositionedRead
    {
        var block = countSize ? FirstBlock : HeaderBlock;
        var buffer = ArrayPool<byte>.Shared.Rent(block);
        try
        {
            var filled = 0;
            var atEnd = false;
            int headerEnd;
            long bare = 0;
            var previous = (byte)0;
            // Grow the buffer until it holds the header's empty line (or the whole file has been read).
            while (true)
            {
                var read = file.Read(buffer.AsSpan(filled, block), filled);
                if (countSize)
                {
                    bare += MessageVirtualSize.BareLineFeeds(buffer.AsSpan(filled, read), ref previous);
                }

                filled += read;
                atEnd = read < block;
                headerEnd = HeaderEnd(buffer.AsSpan(0, filled));
                if (headerEnd >= 0 || atEnd)
                {
                    break;
                }

                if (buffer.Length - filled < block)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, filled + block));
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            var header = ToCrlf(buffer.AsSpan(0, headerEnd >= 0 ? headerEnd : filled));
            if (!countSize)
            {
                return (header, -1);
            }

            // The rest of a file longer than what the header needed: counted in the same buffer, not kept.
            long offset = filled;
            while (!atEnd)
            {
                var read = file.Read(buffer.AsSpan(0, block), offset);
                bare += MessageVirtualSize.BareLineFeeds(buffer.AsSpan(0, read), ref previous);
                offset += read;
                atEnd = read < block;
            }

            return (header, offset + bare);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The whole file as stored, in one array of its size (an fstat): <paramref name="first"/>, its octets from offset 0
    /// already read, then the rest read straight into the array. Shorter when the file shrank while open (it should
    /// not: Maildir files never change).
    /// </summary>
    internal static byte[] ReadAll(SafeFileHandle file, ReadOnlySpan<byte> first)
    {
        var octets = new byte[Math.Max(RandomAccess.GetLength(file), first.Length)];
        first.CopyTo(octets);
        var filled = first.Length;
        int read;
        while (filled < octets.Length && (read = RandomAccess.Read(file, octets.AsSpan(filled), filled)) > 0)
        {
            filled += read;
        }

        if (filled < octets.Length)
        {
            Array.Resize(ref octets, filled);
        }

        return octets;
    }

    /// <summary>Where the header's empty line ends in <paramref name="octets"/> (CRLF or bare LF), or -1 when it is not there (yet).</summary>
    public static int HeaderEnd(ReadOnlySpan<byte> octets)
    {
        var line = 0;
        while (line < octets.Length)
        {
            if (octets[line] == (byte)'\n')
            {
                return line + 1;
            }

            if (octets[line] == (byte)'\r')
            {
                if (line + 1 == octets.Length)
                {
                    return -1; // CR at the end of what was read: the LF may follow
                }

                if (octets[line + 1] == (byte)'\n')
                {
                    return line + 2;
                }
            }

            var lf = octets[line..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                return -1;
            }

            line += lf + 1;
        }

        return -1;
    }

    /// <summary>The octets with every bare LF made CRLF, in one array of the exact size.</summary>
    public static byte[] ToCrlf(ReadOnlySpan<byte> span)
    {
        var before = (byte)0;
        var bare = (int)MessageVirtualSize.BareLineFeeds(span, ref before);
        return bare == 0 ? span.ToArray() : Expand(span, bare);
    }

    /// <summary>
    /// <paramref name="octets"/> with every bare LF made CRLF; the same array when there is none (a whole
    /// message read for BODY[], where a copy would cost as much as the read).
    /// </summary>
    public static byte[] ToCrlf(byte[] octets)
    {
        ArgumentNullException.ThrowIfNull(octets);
        var before = (byte)0;
        var bare = (int)MessageVirtualSize.BareLineFeeds(octets, ref before);
        return bare == 0 ? octets : Expand(octets, bare);
    }

    private static byte[] Expand(ReadOnlySpan<byte> span, int bare)
    {
        var result = new byte[span.Length + bare];
        var written = 0;
        var start = 0;
        while (start < span.Length)
        {
            var lf = span[start..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                span[start..].CopyTo(result.AsSpan(written));
                break;
            }

            var at = start + lf;
            span[start..at].CopyTo(result.AsSpan(written));
            written += at - start;
            if (at == 0 || span[at - 1] != (byte)'\r')
            {
                result[written++] = (byte)'\r';
            }

            result[written++] = (byte)'\n';
            start = at + 1;
        }

        return result;
    }

    private readonly struct HandleRead(SafeFileHandle file) : IPositionedRead
    {
        public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(file, buffer, offset);
    }
}

/// <summary>pread(2) of an open file: <see cref="MessageHeaderRead"/> over a handle or a raw descriptor, without a delegate per file.</summary>
internal interface IPositionedRead
{
    /// <summary>Reads up to <paramref name="buffer"/>'s length from <paramref name="offset"/>; 0 at the end of the file.</summary>
    int Read(Span<byte> buffer, long offset);
}
