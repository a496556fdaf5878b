using System.Text;
using Facteur.Cli.Files;
using Facteur.Cli.Mbox;
using Facteur.MailStore.Folders;

namespace Facteur.Cli.Migration;

/// <summary>
/// Copies a Dovecot Maildir++ folder as it is: files keep their names (so their keys, the flags after
/// <c>:2,</c> and the keyword letters), their sub-directory (new/ or cur/) and their mtime (Dovecot's internal
/// date); then <c>dovecot-uidlist</c> (merged, <see cref="UidListMerge"/>) and <c>dovecot-keywords</c>.
/// Files already at the destination under the same key are not copied again; if the old server changed their
/// flags since, the destination file is renamed to match.
/// </summary>
internal sealed class MaildirTreeCopy(bool dryRun, Action<long> progress)
{
    /// <summary>INBOX (the root) and every <c>.Name</c> folder of a Maildir++ tree, with their IMAP names.</summary>
    public static List<(string Name, string Path)> Folders(string maildir)
    {
        var folders = new List<(string, string)>();
        if (Directory.Exists(Path.Combine(maildir, "cur")) || Directory.Exists(Path.Combine(maildir, "new")))
        {
            folders.Add(("INBOX", maildir));
        }

        foreach (var directory in Directory.EnumerateDirectories(maildir, ".*").Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(directory)[1..];
            if (name.Length > 0 && name != "." && (Directory.Exists(Path.Combine(directory, "cur")) || Directory.Exists(Path.Combine(directory, "new"))))
            {
                folders.Add((name, directory));
            }
        }

        return folders;
    }

    /// <summary>Total size of the message files of a folder (for the progress bar and the dry run).</summary>
    public static long Size(string folderPath) =>
        ((string[])["new", "cur"]).Sum(sub => Files(Path.Combine(folderPath, sub)).Sum(f => Math.Max(0, SafeLength(f))));

    public async Task CopyFolderAsync(string sourcePath, string folderName, MaildirFolder destination, UserReport report, CancellationToken cancellationToken)
    {
        var existing = Existing(destination.Path);
        var sourceKeys = new HashSet<string>(StringComparer.Ordinal);
        if (!dryRun)
        {
            destination.EnsureCreated();
            if (folderName != "INBOX")
            {
                MaildirFolderFiles.MarkAsFolder(destination.Path);
            }
        }

        var staged = new StagedFiles();
        foreach (var sub in (string[])["new", "cur"])
        {
            foreach (var sourceFile in Files(Path.Combine(sourcePath, sub)).Order(StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fileName = System.IO.Path.GetFileName(sourceFile);
                var key = MaildirEntryName.Parse(fileName).Key;
                sourceKeys.Add(key);
                if (existing.TryGetValue(key, out var there))
                {
                    if (there == (sub, fileName))
                    {
                        report.AlreadyPresent++;
                        continue;
                    }

                    // Same message, other flags (or moved to cur/ by a client) on the old server since the last run.
                    report.FlagsUpdated++;
                    if (!dryRun)
                    {
                        staged.Commit(); // the file to rename may be one this run staged (moved from new/ to cur/ meanwhile)
                        File.Move(Path.Combine(destination.Path, there.Sub, there.Name), Path.Combine(destination.Path, sub, fileName), overwrite: false);
                    }

                    existing[key] = (sub, fileName);
                    continue;
                }

                var length = SafeLength(sourceFile);
                if (length < 0)
                {
                    report.Skipped.Add($"{folderName}/{sub}/{fileName}: vanished during the copy (expunged or renamed on the old server; a re-run picks it up)");
                    continue;
                }

                var temp = Path.Combine(destination.Path, "tmp", fileName + ".migrate");
                if (!dryRun && !Copy(sourceFile, temp))
                {
                    report.Skipped.Add($"{folderName}/{sub}/{fileName}: vanished during the copy (expunged or renamed on the old server; a re-run picks it up)");
                    continue;
                }

                if (!dryRun)
                {
                    staged.Add(temp, Path.Combine(destination.Path, sub, fileName), length);
                }

                existing[key] = (sub, fileName);
                report.Messages++;
                report.Bytes += length;
                progress(length);
            }
        }

        if (!dryRun)
        {
            // The messages are on disk before the uidlist that names them.
            staged.Commit();
            await CopyIndexFilesAsync(sourcePath, folderName, sourceKeys, destination, report, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task CopyIndexFilesAsync(string sourcePath, string folderName, HashSet<string> sourceKeys, MaildirFolder destination, UserReport report, CancellationToken cancellationToken)
    {
        // Same lock as Dovecot and Facteur's store, so a running Facteur never reads a half-merged list.
        using var uidLock = await DotLock.AcquireAsync(Path.Combine(destination.Path, MaildirFolder.UidListLockFileName), MaildirFolder.UidListLockStaleAfter, destination.LockTimeout, cancellationToken).ConfigureAwait(false);
        var source = new MaildirFolder(sourcePath).ReadUidList();
        var current = destination.ReadUidList();
        if (source is not null && UidListMerge.Conflict(source, current, sourceKeys) is { } taken)
        {
            // Facteur is the authority now: its UIDs stay, and the messages copied above get new ones from it.
            report.Skipped.Add($"{folderName}: UID {taken.Uid} names another message in Facteur than on the old server (mail arrived in Facteur since the last run: after the switch?); the old server's UIDs were not taken, its new messages get new UIDs");
        }
        else if (source is not null)
        {
            var merged = UidListMerge.Merge(source, current);
            var text = merged.ToString();
            if (!File.Exists(destination.UidListPath) || await File.ReadAllTextAsync(destination.UidListPath, cancellationToken).ConfigureAwait(false) != text)
            {
                WriteAtomically(destination.UidListPath, text);
            }
        }

        var keywords = Path.Combine(sourcePath, DovecotKeywords.FileName);
        if (File.Exists(keywords))
        {
            var text = await File.ReadAllTextAsync(keywords, cancellationToken).ConfigureAwait(false);
            var target = Path.Combine(destination.Path, DovecotKeywords.FileName);
            var there = File.Exists(target) ? await File.ReadAllTextAsync(target, cancellationToken).ConfigureAwait(false) : null;
            if (there is null || (there != text && text.StartsWith(there, StringComparison.Ordinal)))
            {
                WriteAtomically(target, text); // new, or the old server added keywords since the last run
            }
            else if (there != text)
            {
                // Facteur gave letters to keywords of its own: overwriting would rename them on its messages.
                report.Skipped.Add($"{folderName}: {DovecotKeywords.FileName} differs from Facteur's (keywords were added in Facteur since the last run); Facteur's kept");
            }
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        var temp = $"{path}.{Environment.ProcessId}.migrate.tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(new UTF8Encoding(false).GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Copies into tmp/ with the source's mtime; <see cref="StagedFiles"/> makes it durable and renames it, so a
    /// reader never sees half a file. False when the source vanished.
    /// </summary>
    private static bool Copy(string source, string temp)
    {
        try
        {
            var mtime = File.GetLastWriteTimeUtc(source);
            using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan))
            using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                input.CopyTo(output, 128 * 1024);
            }

            // The internal date of a Maildir message is its file's mtime (Dovecot's maildir_copy_preserve_filename
            // and INTERNALDATE both rely on it).
            File.SetLastWriteTimeUtc(temp, mtime);
            return true;
        }
        catch (FileNotFoundException)
        {
            TryDelete(temp);
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static Dictionary<string, (string Sub, string Name)> Existing(string folderPath)
    {
        var existing = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var sub in (string[])["new", "cur"])
        {
            foreach (var file in Files(Path.Combine(folderPath, sub)))
            {
                var name = System.IO.Path.GetFileName(file);
                existing[MaildirEntryName.Parse(name).Key] = (sub, name);
            }
        }

        return existing;
    }

    private static IEnumerable<string> Files(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory).Where(f => !System.IO.Path.GetFileName(f).StartsWith('.')) : [];

    private static long SafeLength(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (FileNotFoundException)
        {
            return -1;
        }
    }
}
