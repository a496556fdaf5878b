using System.Text;

namespace Facteur.Cli.Files;

/// <summary>
/// Edits a line-oriented file (accounts, aliases, domains) so that no reader ever sees half a file and no
/// concurrent edit is lost: take <c>FILE.lock</c> (O_EXCL), read, edit, write a temporary file in the same folder,
/// fsync it, give it the old file's permissions and owner, rename it over the file, fsync the folder.
/// </summary>
internal static class LockedTextFile
{
    public static TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Lines of <paramref name="path"/>, or none when it does not exist.</summary>
    public static List<string> ReadLines(string path) => File.Exists(path) ? [.. File.ReadAllLines(path)] : [];

    /// <summary>
    /// Runs <paramref name="edit"/> on the current lines under the lock and writes the result atomically.
    /// <paramref name="edit"/> may throw <see cref="CommandFailedException"/> to leave the file untouched.
    /// </summary>
    public static T Update<T>(string path, UnixFileMode newFileMode, Func<List<string>, T> edit)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        using var fileLock = FileLock.Acquire(full, LockTimeout);
        var lines = ReadLines(full);
        var result = edit(lines);
        Write(full, lines, newFileMode);
        return result;
    }

    private static void Write(string path, List<string> lines, UnixFileMode newFileMode)
    {
        var directory = Path.GetDirectoryName(path)!;
        var exists = File.Exists(path);
        var mode = exists && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(path) : newFileMode;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temp, options))
            {
                var text = new StringBuilder();
                foreach (var line in lines)
                {
                    text.Append(line).Append('\n');
                }

                stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString()));
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, mode); // the umask may have narrowed the create mode
                if (exists)
                {
                    PosixFile.CopyOwner(path, temp);
                }
            }

            File.Move(temp, path, overwrite: true); // rename(2): readers see the old file or the new one
            PosixFile.SyncDirectory(directory);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }

            throw;
        }
    }
}
