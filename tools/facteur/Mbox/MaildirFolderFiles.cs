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

    /// <summary>
    /// The subscribed folder names of a <c>subscriptions</c> file, with '.' between levels. Reads both forms
    /// Dovecot writes: version 1 (one name a line) and version 2 (a <c>V\t2</c> line, a blank line, then names
    /// whose levels are separated by TAB, independent of the namespace separator).
    /// </summary>
    public static List<string> ReadSubscriptions(string directory, string fileName = SubscriptionsFileName)
    {
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            return [];
        }

        var lines = File.ReadAllLines(path, Encoding.UTF8);
        var version2 = lines.Length > 0 && lines[0] == "V\t2";
        return lines.Skip(version2 ? 1 : 0).Where(l => l.Length > 0).Select(l => version2 ? l.Replace('\t', '.') : l).ToList();
    }

    /// <summary>
    /// Adds names not yet subscribed, in the form the file already has (a new file is version 1); returns how
    /// many were added. Existing lines are kept as they are.
    /// </summary>
    public static int Subscribe(string maildirPath, IEnumerable<string> names)
    {
        var path = Path.Combine(maildirPath, SubscriptionsFileName);
        var lines = File.Exists(path) ? File.ReadAllLines(path, Encoding.UTF8).ToList() : [];
        var version2 = lines.Count > 0 && lines[0] == "V\t2";
        var present = ReadSubscriptions(maildirPath).ToHashSet(StringComparer.Ordinal);
        var added = 0;
        foreach (var name in names)
        {
            if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) || !present.Add(name))
            {
                continue;
            }

            lines.Add(version2 ? name.Replace('.', '\t') : name);
            added++;
        }

        if (added > 0)
        {
            var temp = path + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(temp, string.Concat(lines.Select(l => l + "\n")), new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
        }

        return added;
    }

    /// <summary>Copies Dovecot's file as it is when the destination has none yet (keeps its version and order).</summary>
    public static void CopyIfAbsent(string sourceMaildir, string destinationMaildir)
    {
        var source = Path.Combine(sourceMaildir, SubscriptionsFileName);
        var target = Path.Combine(destinationMaildir, SubscriptionsFileName);
        if (File.Exists(source) && !File.Exists(target))
        {
            var temp = target + $".{Environment.ProcessId}.tmp";
            File.Copy(source, temp, overwrite: true);
            File.Move(temp, target, overwrite: false);
        }
    }
}
