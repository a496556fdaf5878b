using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Facteur.Hosting.Bus;

/// <summary>Where the parts of a spool file (format 2) are: see <see cref="SpoolTrailer"/>.</summary>
public readonly record struct SpoolLayout(long MessageLength, int PrefixLength, int EnvelopeLength)
{
    /// <summary>What a reader of the message sees: the header prefix, then the message octets.</summary>
    public long ContentLength => PrefixLength + MessageLength;

    public long PrefixOffset => MessageLength;

    public long EnvelopeOffset => MessageLength + PrefixLength;

    public long FileLength => MessageLength + PrefixLength + EnvelopeLength + SpoolTrailer.FooterLength;
}

/// <summary>
/// Spool file format 2: one file holds a whole spool entry, written once and fsynced once before
/// the 250, as Postfix's queue file does (format 1 was <c>.eml</c> + <c>.env</c>, two fsyncs and a
/// directory fsync in a row, and a second copy of large bodies to put a header in front).
/// <code>
/// [message octets as received (M)] [header prefix (P)] [envelope (E)] [footer, 48 octets]
/// footer = magic "\0FacteurSpool2\r\n" (16) | M (int64 LE) | P (int32 LE) | E (int32 LE) | hash (16)
/// hash   = the first 16 octets of SHA-256 over message, prefix and envelope
/// </code>
/// The message is streamed as it arrives; the prefix (inbound Authentication-Results, decided after
/// the last octet) and the envelope (opaque here: the gateway's JSON) follow it, so nothing is
/// written twice. Readers see prefix + message (<see cref="OpenContent"/>). A file is a committed
/// entry only when the footer is there and the hash matches (<see cref="TryVerify"/>): a crash
/// while the file was written, or before its fsync reached the disk, leaves a file that fails the
/// check, and such a file never got its 250.
/// </summary>
public static class SpoolTrailer
{
    public const int FooterLength = 48;

    private const int HashLength = 16;

    private static ReadOnlySpan<byte> Magic => "\0FacteurSpool2\r\n"u8;

    /// <summary>A hash for <see cref="AppendAsync"/>; feed it every message octet as it is written.</summary>
    public static IncrementalHash NewHash() => IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Writes prefix, envelope and footer after <paramref name="messageLength"/> message octets already in <paramref name="file"/> (and in <paramref name="hash"/>).</summary>
    public static async Task AppendAsync(Stream file, long messageLength, ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> envelope, IncrementalHash hash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(hash);
        hash.AppendData(prefix.Span);
        hash.AppendData(envelope.Span);
        var footer = new byte[FooterLength];
        WriteFooter(footer, new SpoolLayout(messageLength, prefix.Length, envelope.Length), hash.GetHashAndReset());
        await file.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
        await file.WriteAsync(envelope, cancellationToken).ConfigureAwait(false);
        await file.WriteAsync(footer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The layout from the footer, or null when the file has none (format 1, or not finished).</summary>
    public static SpoolLayout? ReadLayout(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var length = RandomAccess.GetLength(handle);
        if (length < FooterLength)
        {
            return null;
        }

        Span<byte> footer = stackalloc byte[FooterLength];
        if (RandomAccess.Read(handle, footer, length - FooterLength) != FooterLength || !footer[..16].SequenceEqual(Magic))
        {
            return null;
        }

        var layout = new SpoolLayout(
            BinaryPrimitives.ReadInt64LittleEndian(footer[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(footer[24..]),
            BinaryPrimitives.ReadInt32LittleEndian(footer[28..]));
        return layout.MessageLength >= 0 && layout.PrefixLength >= 0 && layout.EnvelopeLength >= 0 && layout.FileLength == length
            ? layout
            : null;
    }

    /// <summary>True when <paramref name="path"/> is a complete format-2 entry: footer present and hash matching every octet.</summary>
    public static bool TryVerify(string path, out SpoolLayout layout, out byte[] prefix, out byte[] envelope)
    {
        prefix = [];
        envelope = [];
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (!TryVerify(handle, out layout))
        {
            return false;
        }

        prefix = new byte[layout.PrefixLength];
        RandomAccess.Read(handle, prefix, layout.PrefixOffset);
        envelope = new byte[layout.EnvelopeLength];
        RandomAccess.Read(handle, envelope, layout.EnvelopeOffset);
        return true;
    }

    /// <summary>True when the open file is a complete format-2 entry: footer present and hash matching every octet.</summary>
    public static bool TryVerify(SafeFileHandle handle, out SpoolLayout layout)
    {
        layout = default;
        if (ReadLayout(handle) is not { } found)
        {
            return false;
        }

        using var hash = NewHash();
        var buffer = new byte[64 * 1024];
        long offset = 0;
        var hashed = found.FileLength - FooterLength;
        while (offset < hashed)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, hashed - offset)), offset);
            if (read <= 0)
            {
                return false;
            }

            hash.AppendData(buffer, 0, read);
            offset += read;
        }

        Span<byte> stored = stackalloc byte[HashLength];
        if (RandomAccess.Read(handle, stored, found.FileLength - HashLength) != HashLength
            || !hash.GetHashAndReset().AsSpan(0, HashLength).SequenceEqual(stored))
        {
            return false;
        }

        layout = found;
        return true;
    }

    /// <summary>
    /// A read-only stream of prefix + message of a format-2 file whose footer and hash check (read
    /// through the one handle the stream then reads from), or null when they do not: the file is
    /// not a whole entry.
    /// </summary>
    public static Stream? OpenVerifiedContent(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        try
        {
            if (!TryVerify(file.SafeFileHandle, out var layout))
            {
                file.Dispose();
                return null;
            }

            var prefix = new byte[layout.PrefixLength];
            RandomAccess.Read(file.SafeFileHandle, prefix, layout.PrefixOffset);
            return new SpoolContentStream(prefix, file, layout.MessageLength);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A read-only stream of the message content: prefix + message of a format-2 file, or the whole
    /// file when <paramref name="formatTwo"/> is false or the file has no footer.
    /// </summary>
    public static Stream OpenContent(string path, bool formatTwo)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        if (!formatTwo || ReadLayout(file.SafeFileHandle) is not { } layout)
        {
            return file;
        }

        var prefix = new byte[layout.PrefixLength];
        RandomAccess.Read(file.SafeFileHandle, prefix, layout.PrefixOffset);
        return new SpoolContentStream(prefix, file, layout.MessageLength);
    }

    /// <summary>The whole content (prefix + message) of a small entry in one array.</summary>
    public static async Task<byte[]> ReadContentAsync(string path, bool formatTwo, CancellationToken cancellationToken)
    {
        await using var content = OpenContent(path, formatTwo);
        var bytes = new byte[content.Length];
        await content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    private static void WriteFooter(Span<byte> footer, SpoolLayout layout, byte[] hash)
    {
        Magic.CopyTo(footer);
        BinaryPrimitives.WriteInt64LittleEndian(footer[16..], layout.MessageLength);
        BinaryPrimitives.WriteInt32LittleEndian(footer[24..], layout.PrefixLength);
        BinaryPrimitives.WriteInt32LittleEndian(footer[28..], layout.EnvelopeLength);
        hash.AsSpan(0, HashLength).CopyTo(footer[32..]);
    }
}
