using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>
/// The renames of one flag change (STORE) in one Maildir folder, by file name relative to open
/// descriptors of its <c>cur/</c> (and <c>new/</c>, opened only when a message is still there). A STORE
/// on 1:* is one rename per message and the kernel's rename is nearly all of its time; with absolute
/// paths the kernel walks every component of the mail root twice per message and the runtime marshals
/// two path strings, where <c>renameat2(curfd, name, curfd, newname, RENAME_NOREPLACE)</c> looks up the
/// two names only. Opened for one command and closed after it, so a folder renamed or deleted between
/// commands is never reached through a stale descriptor. Where descriptors cannot be used (not Linux,
/// a file system without RENAME_NOREPLACE) every rename goes through <see cref="NoReplaceRename"/>.
/// </summary>
internal sealed unsafe partial class FolderRenames : IDisposable
{
    private const int ENoEnt = DirectoryDescriptor.ENoEnt;
    private const int EExist = 17;
    private const int ENotDir = DirectoryDescriptor.ENotDir;
    private const uint RenameNoReplace = 1;

    private static volatile bool unsupported = !OperatingSystem.IsLinux();

    private readonly string _folderPath;
    private readonly FolderDescriptors _directories;
    private bool _fallback;

    public FolderRenames(string folderPath)
    {
        _folderPath = folderPath;
        _directories = new FolderDescriptors(folderPath);
        _fallback = unsupported;
    }

    public void Dispose() => _directories.Dispose();

    /// <summary>
    /// Renames <paramref name="fromName"/> (in <c>new/</c> when <paramref name="fromNew"/>, else in <c>cur/</c>)
    /// to <paramref name="toName"/> in <c>cur/</c>, never replacing an existing name.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per message of a STORE (see MailFolder.UpdateFlagsLocked)
    public RenameOutcome Rename(bool fromNew, string fromName, string toName)
    {
        if (!_fallback)
        {
            var from = _directories.Of(fromNew);
            var to = from < 0 ? -1 : _directories.Of(isNew: false);
            if (to >= 0)
            {
                if (RenameAt(from, fromName, to, toName) is { } outcome)
                {
                    return outcome;
                }

                _fallback = true; // EINVAL/ENOSYS/…: the portable path decides for the rest of this command
            }
            else if (Marshal.GetLastPInvokeError() is ENoEnt or ENotDir)
            {
                return RenameOutcome.SourceMissing; // the folder's directory is gone
            }
            else
            {
                _fallback = true;
            }
        }

        return NoReplaceRename.Rename(
            Path.Combine(_folderPath, fromNew ? "new" : "cur", fromName), Path.Combine(_folderPath, "cur", toName));
    }

    /// <summary>One renameat2; null when the result says the descriptors cannot be used for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Rename
    private static RenameOutcome? RenameAt(int fromDirectory, string fromName, int toDirectory, string toName)
    {
        // Maildir names are ASCII and under NAME_MAX (255 bytes): both fit the stack; anything longer
        // still gets a buffer, and the kernel answers ENAMETOOLONG as it would for the path. Sized to the
        // name, not a fixed 1 KB: the runtime zeroes what is stackalloc'd, 2 KB per message of a STORE 1:*.
        var fromLength = Encoding.UTF8.GetMaxByteCount(fromName.Length) + 1;
        var toLength = Encoding.UTF8.GetMaxByteCount(toName.Length) + 1;
        Span<byte> fromBytes = fromLength <= 1024 ? stackalloc byte[fromLength] : new byte[fromLength];
        Span<byte> toBytes = toLength <= 1024 ? stackalloc byte[toLength] : new byte[toLength];
        fromBytes[Encoding.UTF8.GetBytes(fromName, fromBytes)] = 0;
        toBytes[Encoding.UTF8.GetBytes(toName, toBytes)] = 0;
        try
        {
            int result;
            fixed (byte* from = fromBytes)
            fixed (byte* to = toBytes)
            {
                result = RenameAt2(fromDirectory, from, toDirectory, to, RenameNoReplace);
            }

            if (result == 0)
            {
                return RenameOutcome.Renamed;
            }

            return Marshal.GetLastPInvokeError() switch
            {
                ENoEnt or ENotDir => RenameOutcome.SourceMissing,
                EExist => RenameOutcome.TargetExists,
                _ => null,
            };
        }
        catch (EntryPointNotFoundException)
        {
            unsupported = true; // a libc without renameat2 (musl before 1.2.2)
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the generated wrapper: see Rename
    private static partial int RenameAt2(int oldDirectory, byte* oldName, int newDirectory, byte* newName, uint flags);
}
