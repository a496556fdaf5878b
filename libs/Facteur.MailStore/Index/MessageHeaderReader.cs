using System.Runtime.InteropServices;
using System.Text;
using Facteur.MailStore.Folders;
using Microsoft.Win32.SafeHandles;

namespace Facteur.MailStore.Index;

/// <summary>
/// Reads the headers of many messages of one folder for one command (a header FETCH of 1:*): each file
/// is opened by name relative to a descriptor of <c>cur/</c> (or <c>new/</c>) opened once for the command,
/// read with pread(2) into a pooled buffer and closed — three system calls per message, where a
/// <see cref="FileStream"/> on the full path cost ten (open with a walk of every component of the mail
/// root, fstat twice, flock twice, fadvise, lseek, pread, close). A size and date not read yet come from
/// the same reads (<see cref="MessageFileFacts"/>). Not Linux, or a descriptor that cannot be used: every
/// read goes through <see cref="MailFolder.ReadMessageHeader"/>. Not thread-safe; dispose it after the command.
/// </summary>
public sealed unsafe partial class MessageHeaderReader : IDisposable
{
    private const int ENoEnt = DirectoryDescriptor.ENoEnt;
    private const int EIntr = DirectoryDescriptor.EIntr;
    private const int ENotDir = DirectoryDescriptor.ENotDir;
    private const int ORdOnly = 0;

    private readonly MailFolder _folder;
    private readonly FolderDescriptors _directories;
    private bool _fallback = !OperatingSystem.IsLinux();

    internal MessageHeaderReader(MailFolder folder)
    {
        _folder = folder;
        _directories = new FolderDescriptors(folder.Path);
    }

    public void Dispose() => _directories.Dispose();

    /// <summary>
    /// The header of <paramref name="message"/> (through its empty line, line ends CRLF), wherever its file is
    /// now; null when it is gone.
    /// </summary>
    public byte[]? Read(MessageRecord message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_fallback)
        {
            return _folder.ReadMessageHeader(message);
        }

        var isNew = message.IsNew;
        var name = message.FileName;
        var indexed = _folder.IndexedLocation(message);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var directory = _directories.Of(isNew);
            if (directory < 0)
            {
                if (Marshal.GetLastPInvokeError() is ENoEnt or ENotDir)
                {
                    return null; // the folder is gone
                }

                _fallback = true;
                return _folder.ReadMessageHeader(message);
            }

            var fd = OpenAt(directory, name);
            if (fd >= 0)
            {
                try
                {
                    return ReadOpen(fd, message);
                }
                finally
                {
                    _ = DirectoryDescriptor.Close(fd);
                }
            }

            if (Marshal.GetLastPInvokeError() != ENoEnt)
            {
                _fallback = true; // EACCES, EMFILE, …: the portable path throws what it means
                return _folder.ReadMessageHeader(message);
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

    private static byte[] ReadOpen(int fd, MessageRecord message)
    {
        var facts = message.Facts;
        var reader = new DescriptorRead(fd);
        var (header, virtualSize) = MessageHeaderRead.Read(ref reader, countSize: facts is { KnownSize: < 0 });
        if (facts is { IsComplete: false })
        {
            // The date needs an fstat: through a handle that does not own the descriptor (closed by the caller).
            using var handle = new SafeFileHandle(fd, ownsHandle: false);
            facts.Learn(handle, virtualSize);
        }

        return header;
    }

    private static int OpenAt(int directory, string name)
    {
        // Maildir names are ASCII and under NAME_MAX (255 bytes): they fit the stack; anything longer still
        // gets a buffer, and the kernel answers ENAMETOOLONG as it would for the path.
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
