using System.Text;

namespace Facteur.Cli.Mbox;

/// <summary>The small files around Maildir++ folders that Dovecot keeps: the <c>maildirfolder</c> marker and <c>subscriptions</c>.</summary>
internal static class MaildirFolderFiles
{
    public const string SubscriptionsFileName = "subscriptions";

    /// <summary>Maildir++ marks a folder directory with an empty <c>maildirfolder</c> file (deliver agents look for it).</summary>
    public static void MarkAsFolder(string folderPath)
    {
        var marker = Path.Combine(folderPath, "maildirfolder");
        if (!File.Exists(marker))
        {
            File.WriteAllBytes(marker, []);
        }
    }

    /// <summary>The subscribed folder names, one a line (Dovecot's format; version 2 headers are skipped).</summary>
    public static List<string> ReadSubscriptions(string maildirPath)
    {
        var path = Path.Combine(maildirPath, SubscriptionsFileName);
        if (!File.Exists(path))
        {
            return [];
        }

        return File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0).ToList();
    }

    /// <summary>Adds names not yet there, keeping the file's existing lines and order; returns how many were added.</summary>
    public static int Subscribe(string maildirPath, IEnumerable<string> names)
    {
        var lines = ReadSubscriptions(maildirPath);
        var added = 0;
        foreach (var name in names)
        {
            if (!lines.Contains(name, StringComparer.Ordinal))
            {
                lines.Add(name);
                added++;
            }
        }

        if (added > 0 || !File.Exists(Path.Combine(maildirPath, SubscriptionsFileName)))
        {
            var path = Path.Combine(maildirPath, SubscriptionsFileName);
            var temp = path + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(temp, string.Concat(lines.Select(l => l + "\n")), new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
        }

        return added;
    }
}
