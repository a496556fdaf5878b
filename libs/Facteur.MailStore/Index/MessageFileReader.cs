using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Facteur.MailStore.Folders;
using Microsoft.Win32.SafeHandles;

namespace Facteur.MailStore.Index;

/// <summary>
/// Reads the message files of one folder for one command (a FETCH): a header (BODY[HEADER] of 1:*) or a
/// whole message (BODY[]), each file opened with openat(2) — the command's first by its full path, the
/// rest relative to a descriptor of <c>cur/</c> (or <c>new/</c>) opened once for the command — read with
/// pread(2) and closed. A <see cref="FileStream"/> or <see cref="File.OpenHandle"/> on the full path cost ten
/// system calls a file (open, fstat twice, flock twice, fadvise, lseek, pread, close), three or four here; on a
/// machine where a system call is dear (a guest under a software hypervisor: 1.4 µs for getppid) that was a
/// fifth of a one-message FETCH. A size and date not read yet come from the same reads
/// (<see cref="MessageFileFacts"/>). Not Linux, or a descriptor that cannot be used: every read goes through
/// <see cref="MailFolder.ReadMessageHeader"/> or <see cref="MailFolder.ReadMessage"/>. Not thread-safe; dispose it after the command.
/// </summary>
public sealed unsafe partial class MessageFileReader : IDisposable
{
    private const int ENoEnt = DirectoryDescriptor.ENoEnt;
    private const int EIntr = DirectoryDescriptor.EIntr;
    private const int ENotDir = DirectoryDescriptor.ENotDir;
    private const int ORdOnly = 0;
    private const int AtFdCwd = -100;

    /// <summary>The first read of a whole message: most fit, so one pread(2) and no fstat(2) for the size.</summary>
    private const int FirstBlock = 64 * 1024;

    private readonly MailFolder _folder;
    private readonly FolderDescriptors _directories;
    private bool _fallback = !OperatingSystem.IsLinux();
    private bool _openedOne;

    internal MessageFileReader(MailFolder folder)
    {
        _folder = folder;
        _directories = new FolderDescriptors(folder.Path);
    }

    public void Dispose() => _directories.Dispose();

    /// <summary>
    /// The header of <paramref name="message"/> (through its empty line, line ends CRLF), wherever its file is
    /// now; null when it is gone.
    /// </summary>
    public byte[]? ReadHeader(MessageRecord message) => Read(message, whole: false);

    /// <summary>
    /// The whole of <paramref name="message"/> with every line end CRLF (what BODY[] sends and RFC822.SIZE counts),
    /// wherever its file is now; null when it is gone.
    /// </summary>
    public byte[]? ReadMessage(MessageRecord message) => Read(message, whole: true);

    private byte[]? Read(MessageRecord message, bool whole)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_fallback)
        {
            return Fallback(message, whole);
        }

        var isNew = message.IsNew;
        var name = message.FileName;
        var indexed = _folder.IndexedLocation(message);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            int fd;
            if (!_openedOne)
            {
                // The command's first file by its full path: a one-message FETCH, a client opening one message,
                // then opens and closes no directory on top of its file.
                _openedOne = true;
                fd = OpenAt(AtFdCwd, Path.Combine(_folder.Path, isNew ? "new" : "cur", name));
            }
            else
            {
                var directory = _directories.Of(isNew);
                if (directory < 0)
                {
                    if (Marshal.GetLastPInvokeError() is ENoEnt or ENotDir)
                    {
                        return null; // the folder is gone
                    }

                    _fallback = true;
                    return Fallback(message, whole);
                }

                fd = OpenAt(directory, name);
            }

            if (fd >= 0)
            {
                try
                {
                    return whole ? ReadWholeOpen(fd, message) : ReadHeaderOpen(fd, message);
                }
                finally
                {
                    _ = DirectoryDescriptor.Close(fd);
                }
            }

            if (Marshal.GetLastPInvokeError() is not (ENoEnt or ENotDir))
            {
                _fallback = true; // EACCES, EMFILE, …: the portable path throws what it means
                return Fallback(message, whole);
            }

            if (indexed is { } other && (other.IsNew != isNew || other.FileName != name))
            {
                // The index knows a newer name (this process renamed it since the session's view was taken).
                (isNew, name) = other;
                indexed = null;
                attempt--;
                continue;
            }

            // Renamed by someone else (a flag change): find it by its key.
            if (_folder.Locate(message.Key) is not { } found)
            {
                return null;
            }

            (isNew, name) = found;
            indexed = null;
        }

        return null;
    }

    /// <summary>
    /// The start of the file at <paramref name="path"/> read into <paramref name="buffer"/> with open, pread and close:
    /// the octets read, -1 when there is no such file, or null where this way cannot be used (not Linux, or an
    /// error other than ENOENT/ENOTDIR), so the caller reads it the portable way and gets its exception. For the
    /// index base's header line after every IMAP command (<see cref="FolderIndexFile.ReadGeneration"/>), where
    /// <see cref="File.OpenHandle"/>'s fstat and flock pair doubled the cost on a machine where each call is dear.
    /// </summary>
    internal static int? ReadHead(string path, Span<byte> buffer)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var fd = OpenAt(AtFdCwd, path);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError() is ENoEnt or ENotDir ? -1 : null;
        }

        try
        {
            return new DescriptorRead(fd).Read(buffer, 0);
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            _ = DirectoryDescriptor.Close(fd);
        }
    }

    /// <summary>
    /// The file at <paramref name="path"/> opened for reading, or null when there is no such file (it was renamed or
    /// expunged): one openat(2), where <see cref="File.OpenHandle"/> adds an fstat and an flock pair, for a POP3 RETR
    /// or TOP, which reads the file through <see cref="ReadAt"/> and closes it. Not Linux, or an error other
    /// than ENOENT/ENOTDIR: <see cref="File.OpenHandle"/>, which throws what the error means.
    /// </summary>
    public static SafeFileHandle? OpenRead(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsLinux())
        {
            var fd = OpenAt(AtFdCwd, path);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            if (Marshal.GetLastPInvokeError() is ENoEnt or ENotDir)
            {
                return null;
            }
        }

        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/> for a handle from <see cref="OpenRead"/>:
    /// the same pread(2), without the lseek(2) a <see cref="SafeFileHandle"/> makes before its first read to learn
    /// whether it can seek — a Maildir message file always can. The octets read; 0 at the end of the file.
    /// </summary>
    public static int ReadAt(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!OperatingSystem.IsLinux())
        {
            return RandomAccess.Read(file, buffer, offset);
        }

        var added = false;
        try
        {
            // Held across the call, so a Dispose on another thread cannot close the descriptor (and the number be
            // reused by another open) under the pread.
            file.DangerousAddRef(ref added);
            return new DescriptorRead((int)file.DangerousGetHandle()).Read(buffer, offset);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    private byte[]? Fallback(MessageRecord message, bool whole) => whole ? _folder.ReadMessage(message) : _folder.ReadMessageHeader(message);

    private static byte[] ReadHeaderOpen(int fd, MessageRecord message)
    {
        var facts = message.Facts;
        var reader = new DescriptorRead(fd);
        var (header, virtualSize) = MessageHeaderRead.Read(ref reader, countSize: facts is { KnownSize: < 0 });
        Learn(fd, facts, virtualSize);
        return header;
    }

    private static byte[] ReadWholeOpen(int fd, MessageRecord message)
    {
        var reader = new DescriptorRead(fd);
        byte[] octets;
        var block = ArrayPool<byte>.Shared.Rent(FirstBlock);
        try
        {
            var read = reader.Read(block.AsSpan(0, FirstBlock), 0);
            if (read < FirstBlock)
            {
                // A short read ends the file: Maildir files never change once they are in new/ or cur/.
                octets = MessageHeaderRead.ToCrlf(block.AsSpan(0, read));
            }
            else
            {
                // A longer one: the rest read into an array of the file's size, through a handle that does not own the descriptor.
                using var handle = new SafeFileHandle(fd, ownsHandle: false);
                octets = MessageHeaderRead.ToCrlf(MessageHeaderRead.ReadAll(handle, block.AsSpan(0, read)));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }

        Learn(fd, message.Facts, octets.Length);
        return octets;
    }

    private static void Learn(int fd, MessageFileFacts? facts, long virtualSize)
    {
        if (facts is { IsComplete: false })
        {
            // The date needs an fstat: through a handle that does not own the descriptor (closed by the caller).
            using var handle = new SafeFileHandle(fd, ownsHandle: false);
            facts.Learn(handle, virtualSize);
        }
    }

    private static int OpenAt(int directory, string name)
    {
        // Maildir names are ASCII and under NAME_MAX (255 bytes), full paths under PATH_MAX: they fit the stack;
        // anything longer still gets a buffer, and the kernel answers ENAMETOOLONG as it would for the path.
        var length = Encoding.UTF8.GetMaxByteCount(name.Length) + 1;
        Span<byte> bytes = length <= 1024 ? stackalloc byte[1024] : new byte[length];
        bytes[Encoding.UTF8.GetBytes(name, bytes)] = 0;
        fixed (byte* path = bytes)
        {
            int fd;
            do
            {
                fd = OpenAtNative(directory, path, ORdOnly | DirectoryDescriptor.OCloExec);
            }
            while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr);

            return fd;
        }
    }

    private readonly struct DescriptorRead(int fd) : IPositionedRead
    {
        public int Read(Span<byte> buffer, long offset)
        {
            fixed (byte* target = buffer)
            {
                while (true)
                {
                    var read = PRead(fd, target, (nuint)buffer.Length, offset);
                    if (read >= 0)
                    {
                        return (int)read;
                    }

                    var error = Marshal.GetLastPInvokeError();
                    if (error != EIntr)
                    {
                        throw new IOException($"pread failed (errno {error})", error);
                    }
                }
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAtNative(int directory, byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PRead(int fd, byte* buffer, nuint count, long offset);
}
