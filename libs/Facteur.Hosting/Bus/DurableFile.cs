using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Facteur.Hosting.Bus;

/// <summary>fsync of files and directories for the spool and the claim check (POSIX: a rename is durable only once its directory is synced).</summary>
internal static class DurableFile
{
    private static readonly int ODirectory =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;

    public static void CreateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (Path.GetDirectoryName(path) is { } parent)
        {
            SyncDirectory(parent);
        }
    }

    /// <summary>Renames <paramref name="source"/> over <paramref name="destination"/> (rename(2)) and makes the new entry durable.</summary>
    public static void MoveDurably(string source, string destination)
    {
        File.Move(source, destination, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(destination)!);
    }

    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, ODirectory | 0x80000);
        if (fd < 0)
        {
            throw new IOException($"open({directory}) for fsync failed", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({directory}) failed", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    // DllImport rather than LibraryImport: this library is built without unsafe code.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
