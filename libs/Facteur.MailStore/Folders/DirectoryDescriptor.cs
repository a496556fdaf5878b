using System.Runtime.InteropServices;

namespace Facteur.MailStore.Folders;

/// <summary>
/// A descriptor of a Maildir's <c>cur/</c> or <c>new/</c> for the <c>*at(2)</c> calls that name files
/// relative to it (<see cref="FolderRenames"/>, <see cref="Index.MessageFileReader"/>): one path
/// walk per command instead of one per message. Linux only; callers fall back to paths elsewhere.
/// </summary>
internal static partial class DirectoryDescriptor
{
    internal const int ENoEnt = 2;
    internal const int EIntr = 4;
    internal const int ENotDir = 20;
    internal const int OCloExec = 0x80000;

    // O_DIRECTORY differs by architecture: 0200000 on x86/x64, 040000 on ARM and AArch64.
    private static readonly int ODirectory =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <summary>The directory at <paramref name="path"/> opened (close-on-exec), or -1 with errno set.</summary>
    public static int Open(string path) => OpenNative(path, ODirectory | OCloExec);

    /// <summary>close(2): of a directory descriptor, or of a file opened relative to one.</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);
}
