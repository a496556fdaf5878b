using System.Runtime.InteropServices;

namespace Facteur.Cli.Files;

/// <summary>The few POSIX calls .NET does not expose: owner of a file, chown, fsync of a directory, syncfs.</summary>
internal static partial class PosixFile
{
    /// <summary>The uid and gid of <paramref name="path"/>, or null where they cannot be read.</summary>
    public static (uint Uid, uint Gid)? Owner(string path)
    {
        // struct stat layouts: x86-64 has st_uid at 28, st_gid at 32; arm64 (generic layout) at 24 and 28.
        var (uidOffset, gidOffset) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (28, 32),
            Architecture.Arm64 => (24, 28),
            _ => (-1, -1),
        };
        if (!OperatingSystem.IsLinux() || uidOffset < 0)
        {
            return null;
        }

        var buffer = new byte[256];
        try
        {
            if (Stat(path, buffer) != 0)
            {
                return null;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        return (BitConverter.ToUInt32(buffer, uidOffset), BitConverter.ToUInt32(buffer, gidOffset));
    }

    /// <summary>Gives <paramref name="path"/> the owner of the file it replaces, so a root-run CLI keeps the file readable by the services.</summary>
    public static void CopyOwner(string from, string to)
    {
        if (Owner(from) is not { } owner || Owner(to) == owner)
        {
            return;
        }

        _ = Chown(to, owner.Uid, owner.Gid); // not permitted for a non-root user: the file then stays theirs
    }

    /// <summary>fsync(2) of a directory, so a rename in it is durable (best effort where not supported).</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// syncfs(2) of the file system that holds <paramref name="path"/>: every file written there is on disk
    /// when it returns true. False where the call does not exist or failed (then sync file by file).
    /// </summary>
    public static bool SyncFileSystem(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            return Syncfs(fd) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Chown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
