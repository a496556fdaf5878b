namespace Facteur.Cli.Files;

/// <summary>
/// Maildir files written into <c>tmp/</c> and made durable a batch at a time before their rename into
/// <c>cur/</c> or <c>new/</c>: one syncfs(2) for the batch instead of one fsync(2) per file, then the renames,
/// then one fsync(2) per target directory. The promise is the one every Maildir writer keeps — a file is
/// complete on disk before a reader can see it — at the cost of one journal commit per batch rather than per
/// message (a bulk copy of 50,000 small files spent nearly all its time in fsync). A crash before a commit
/// leaves files in <c>tmp/</c> only, which the next run writes again.
/// </summary>
internal sealed class StagedFiles(int maxFiles = 2000, long maxBytes = 256L * 1024 * 1024)
{
    private readonly List<(string Temp, string Target)> _staged = [];
    private long _bytes;

    /// <summary>Files renamed into place so far.</summary>
    public int Committed { get; private set; }

    /// <summary>Stages a complete, closed file; commits the batch once it holds enough files or bytes.</summary>
    public void Add(string temp, string target, long length)
    {
        _staged.Add((temp, target));
        _bytes += length;
        if (_staged.Count >= maxFiles || _bytes >= maxBytes)
        {
            Commit();
        }
    }

    /// <summary>Makes every staged file durable, renames it into place and syncs the directories the renames touched.</summary>
    public void Commit()
    {
        if (_staged.Count == 0)
        {
            return;
        }

        if (!PosixFile.SyncFileSystem(Path.GetDirectoryName(_staged[0].Temp)!))
        {
            foreach (var (temp, _) in _staged)
            {
                using var file = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1);
                file.Flush(flushToDisk: true);
            }
        }

        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (temp, target) in _staged)
        {
            File.Move(temp, target, overwrite: false);
            directories.Add(Path.GetDirectoryName(target)!);
        }

        foreach (var directory in directories)
        {
            PosixFile.SyncDirectory(directory);
        }

        Committed += _staged.Count;
        _staged.Clear();
        _bytes = 0;
    }

    /// <summary>After a failure: deletes the staged files (none of them was visible yet).</summary>
    public void Discard()
    {
        foreach (var (temp, _) in _staged)
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
        }

        _staged.Clear();
        _bytes = 0;
    }
}
