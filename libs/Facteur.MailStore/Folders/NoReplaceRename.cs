using System.Runtime.InteropServices;

namespace Facteur.MailStore.Folders;

/// <summary>What a <see cref="NoReplaceRename.Rename"/> did.</summary>
internal enum RenameOutcome
{
    /// <summary>The file now has the new name.</summary>
    Renamed,

    /// <summary>Nothing has the old name (renamed or deleted by someone else meanwhile).</summary>
    SourceMissing,

    /// <summary>Something already has the new name; nothing was changed.</summary>
    TargetExists,
}

/// <summary>
/// A Maildir flag change is one rename of a message file. <see cref="File.Move(string, string, bool)"/>
/// without overwrite costs an <c>lstat</c> of the target before the <c>rename</c>, and callers added a
/// <c>stat</c> of the source: three system calls per message, most of what a STORE on 10,000 messages
/// spends outside the kernel's own rename. On Linux this is one <c>renameat2(…, RENAME_NOREPLACE)</c>,
/// which refuses atomically to replace an existing name and reports a missing source as ENOENT. File
/// systems without the flag (NFS answers EINVAL; musl has no wrapper) fall back to <see cref="File.Move(string, string, bool)"/>.
/// </summary>
internal static partial class NoReplaceRename
{
    private const int AtFdCwd = -100;
    private const uint RenameNoReplace = 1;
    private const int ENoEnt = 2;
    private const int EExist = 17;
    private const int ENotDir = 20;

    private static volatile bool unsupported = !OperatingSystem.IsLinux();

    public static RenameOutcome Rename(string from, string to)
    {
        if (!unsupported)
        {
            try
            {
                if (RenameAt2(AtFdCwd, from, AtFdCwd, to, RenameNoReplace) == 0)
                {
                    return RenameOutcome.Renamed;
                }

                switch (Marshal.GetLastPInvokeError())
                {
                    case ENoEnt or ENotDir:
                        return RenameOutcome.SourceMissing;
                    case EExist:
                        return RenameOutcome.TargetExists;
                    default:
                        // EINVAL/ENOSYS (no RENAME_NOREPLACE here) or a real error: the portable path
                        // decides, and throws the usual IOException for a real one.
                        break;
                }
            }
            catch (EntryPointNotFoundException)
            {
                unsupported = true;
            }
        }

        return Move(from, to);
    }

    private static RenameOutcome Move(string from, string to)
    {
        var targetExisted = File.Exists(to);
        try
        {
            File.Move(from, to, overwrite: false);
            return RenameOutcome.Renamed;
        }
        catch (FileNotFoundException)
        {
            return RenameOutcome.SourceMissing;
        }
        catch (DirectoryNotFoundException)
        {
            return RenameOutcome.SourceMissing;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !targetExisted && File.Exists(to) && File.Exists(from))
        {
            // File.Move without overwrite links the new name and then unlinks the old one; the unlink failed
            // (EPERM on an immutable file, EIO). Both names now hold the message, which a Maildir reader would
            // list twice: the link made here goes again, and the failure stands.
            File.Delete(to);
            throw;
        }
        catch (IOException) when (File.Exists(to))
        {
            return File.Exists(from) ? RenameOutcome.TargetExists : RenameOutcome.SourceMissing;
        }
    }

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);
}
