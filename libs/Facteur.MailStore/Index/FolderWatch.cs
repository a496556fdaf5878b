namespace Facteur.MailStore.Index;

/// <summary>
/// inotify watches on a folder's <c>new/</c> and <c>cur/</c> for IDLE, so that the folder's disk poll
/// (<see cref="FolderPoll"/>) runs when something changed there instead of twice a second: a delivery
/// renames into <c>new/</c>, a flag change renames within <c>cur/</c>, an expunge unlinks from it —
/// whoever does it (another replica, Dovecot during a migration, a script). At rest the watch costs no
/// wake at all; .NET shares one inotify instance and one reading thread among every watcher of the process.
/// <para>Not used on a network file system: inotify there reports only the changes made by this machine,
/// and a delivery worker on another node would go unseen until the next poll. Nor where inotify cannot
/// be had (its limits reached): the poll then runs at the interval IDLE asked for, as before.</para>
/// </summary>
internal sealed class FolderWatch : IDisposable
{
    /// <summary>
    /// How often a watched folder is still polled: the safety net for what inotify does not report (a
    /// rewrite of the uidlist alone, a watch lost with a directory replaced). As Dovecot's
    /// <c>mailbox_idle_check_interval</c>.
    /// </summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    // statfs type names (DriveInfo.DriveFormat) of file systems whose other clients' changes inotify does not see.
    private static readonly string[] NetworkFileSystems =
        ["nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "ceph", "9p", "afs", "coda", "gfs", "gfs2", "ocfs2", "lustre", "glusterfs", "virtiofs", "vboxsf", "davfs"];

    private readonly FileSystemWatcher[] _watchers;

    private FolderWatch(FileSystemWatcher[] watchers) => _watchers = watchers;

    /// <summary>
    /// Watches <paramref name="folderPath"/>'s <c>new/</c> and <c>cur/</c>, calling <paramref name="changed"/>
    /// (on the watcher's thread: keep it short) for every entry added, removed or renamed there, and when
    /// events were lost. Null when the folder cannot be watched reliably; the caller polls instead.
    /// </summary>
    public static FolderWatch? TryStart(string folderPath, Action changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (!OperatingSystem.IsLinux() || !IsLocal(FileSystemOf(folderPath)))
        {
            return null;
        }

        var watchers = new List<FileSystemWatcher>(2);
        try
        {
            foreach (var sub in (string[])["new", "cur"])
            {
                var watcher = new FileSystemWatcher(Path.Combine(folderPath, sub))
                {
                    NotifyFilter = NotifyFilters.FileName,
                    IncludeSubdirectories = false,
                };
                watchers.Add(watcher);
                watcher.Created += (_, _) => changed();
                watcher.Deleted += (_, _) => changed();
                watcher.Renamed += (_, _) => changed();
                watcher.Error += (_, _) => changed(); // the queue overflowed: something changed, look
                watcher.EnableRaisingEvents = true;
            }

            return new FolderWatch([.. watchers]);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // A missing directory (the poll's sync reports it), or inotify's limits (max_user_watches,
            // max_user_instances) reached: poll as if there were no inotify.
            watchers.ForEach(w => w.Dispose());
            return null;
        }
    }

    /// <summary>True when inotify sees every change made to a file system of this type (a local one).</summary>
    internal static bool IsLocal(string? fileSystem)
    {
        if (string.IsNullOrEmpty(fileSystem))
        {
            return false;
        }

        var name = fileSystem.ToLowerInvariant();
        return !name.StartsWith("fuse", StringComparison.Ordinal) && !NetworkFileSystems.Contains(name);
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }

    private static string? FileSystemOf(string path)
    {
        try
        {
            // On Linux DriveInfo takes any path and statfs()es it.
            return new DriveInfo(path).DriveFormat;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
