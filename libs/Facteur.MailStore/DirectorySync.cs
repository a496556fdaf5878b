using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Facteur.MailStore;

/// <summary>
/// fsync(2) of a directory, so that a rename into it survives a power loss: POSIX makes the
/// new directory entry durable only once the directory itself is synced. .NET has no API for
/// it (FileStream cannot open a directory), hence the libc calls. Linux only; elsewhere a no-op.
/// </summary>
internal static partial class DirectorySync
{
    private const int ORdOnly = 0;

    // O_DIRECTORY differs by architecture: 0200000 on x86/x64, 040000 on ARM and AArch64.
    private static readonly int ODirectory =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;

    private const int OCloExec = 0x80000;

    public static void Fsync(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, ORdOnly | ODirectory | OCloExec);
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

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
