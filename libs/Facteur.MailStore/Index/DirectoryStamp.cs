using System.Globalization;

namespace Facteur.MailStore.Index;

/// <summary>
/// The modification times of a folder's new/ and cur/ and the uidlist's time and size. Every
/// delivery, rename (flag change) and deletion changes a directory's mtime, so while the stamp is
/// unchanged the index is current and a sync does not list the directories — what makes SELECT on
/// a large folder cheap. As Dovecot does, a stamp is trusted only once it is a couple of seconds old:
/// a coarse-grained file system (NFS) could otherwise hide a change made in the same second.
/// </summary>
internal readonly record struct DirectoryStamp(long NewTicks, long CurTicks, long UidListTicks, long UidListSize)
{
    /// <summary>How old a time must be before a later change can no longer share it (coarse NFS clocks).</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    public static DirectoryStamp Read(string folderPath, string uidListPath)
    {
        var list = new FileInfo(uidListPath);
        return new DirectoryStamp(
            Directory.GetLastWriteTimeUtc(Path.Combine(folderPath, "new")).Ticks,
            Directory.GetLastWriteTimeUtc(Path.Combine(folderPath, "cur")).Ticks,
            list.Exists ? list.LastWriteTimeUtc.Ticks : 0,
            list.Exists ? list.Length : -1);
    }

    /// <summary>True when every time is old enough that a later change cannot share it.</summary>
    public bool IsSettled(DateTime nowUtc)
    {
        var limit = (nowUtc - SettleTime).Ticks;
        return NewTicks < limit && CurTicks < limit && UidListTicks < limit;
    }

    /// <summary>
    /// True when new/'s and cur/'s times are old enough that a later change cannot share them. A listing made
    /// after such a stamp was read sees every file those directories held then, and any later change to them
    /// moves their times: the listing stays complete once the uidlist's part (the listing's own write, under
    /// the lock) settles too, with no second listing (see MailFolder.SyncLocked).
    /// </summary>
    public bool DirectoriesSettled(DateTime nowUtc)
    {
        var limit = (nowUtc - SettleTime).Ticks;
        return NewTicks < limit && CurTicks < limit;
    }

    public static DirectoryStamp? Parse(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 4)
        {
            return null;
        }

        var values = new long[4];
        for (var i = 0; i < 4; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
            {
                return null;
            }
        }

        return new DirectoryStamp(values[0], values[1], values[2], values[3]);
    }
}
