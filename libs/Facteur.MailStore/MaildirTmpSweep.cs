namespace Facteur.MailStore;

/// <summary>
/// Removes files left in the <c>tmp/</c> directories of every Maildir under a mail root once they
/// are older than a retention. A writer that dies between creating its tmp file and the rename into
/// <c>new/</c> leaves the partial file behind; nothing ever reads <c>tmp/</c>, so without a sweep
/// the leftovers count against disk (and, in Dovecot's quota, never). The Maildir convention
/// (D. J. Bernstein, "Using maildir format") and Dovecot both delete tmp files untouched for 36
/// hours: a delivery that is still writing updates its file's mtime, so only abandoned files age.
/// </summary>
public static class MaildirTmpSweep
{
    private static readonly EnumerationOptions Children = new()
    {
        // A symbolic link under the mail root is not followed: the sweep deletes only what the
        // mail root itself holds.
        AttributesToSkip = FileAttributes.ReparsePoint,
        IgnoreInaccessible = true,
        RecurseSubdirectories = false,
    };

    /// <summary>
    /// Sweeps <c>{mailRoot}/{domain}/{user}/tmp</c> and each folder's <c>.{Folder}/tmp</c>; returns
    /// the number of files deleted. Files last written at or after <paramref name="olderThanUtc"/> stay.
    /// </summary>
    public static int Sweep(string mailRoot, DateTime olderThanUtc)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailRoot);
        if (!Directory.Exists(mailRoot))
        {
            return 0;
        }

        var swept = 0;
        foreach (var domain in Directory.EnumerateDirectories(mailRoot, "*", Children))
        {
            foreach (var user in Directory.EnumerateDirectories(domain, "*", Children))
            {
                swept += SweepTmp(user, olderThanUtc);
                foreach (var folder in Directory.EnumerateDirectories(user, ".*", Children))
                {
                    swept += SweepTmp(folder, olderThanUtc);
                }
            }
        }

        return swept;
    }

    private static int SweepTmp(string maildir, DateTime olderThanUtc)
    {
        var tmp = Path.Combine(maildir, "tmp");
        if (!Directory.Exists(tmp))
        {
            return 0;
        }

        var swept = 0;
        foreach (var file in new DirectoryInfo(tmp).EnumerateFiles("*", Children))
        {
            if (file.LastWriteTimeUtc >= olderThanUtc)
            {
                continue;
            }

            try
            {
                file.Delete();
                swept++;
            }
            catch (IOException)
            {
                // Removed meanwhile by its own writer or another replica's sweep.
            }
        }

        return swept;
    }
}
