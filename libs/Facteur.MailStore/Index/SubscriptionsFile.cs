using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// Dovecot's <c>subscriptions</c> file in the Maildir++ root. Version 2 (what Dovecot 2.x writes):
/// the header <c>V\t2\n\n</c>, then one name per line with the hierarchy separator written as a
/// tab and tabs/newlines/\001 escaped as \001t, \001n, \001r, \0011. Version 1 files (one name per
/// line, '.' separators) are read too.
/// </summary>
internal static class SubscriptionsFile
{
    private const string Version2Header = "V\t2\n\n";

    public static List<string> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        var version2 = text.StartsWith(Version2Header, StringComparison.Ordinal);
        if (version2)
        {
            text = text[Version2Header.Length..];
        }

        var names = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var name = version2 ? string.Join('.', line.Split('\t').Select(Unescape)) : line;
            if (!names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }
        }

        return names;
    }

    public static void Write(string path, IEnumerable<string> names)
    {
        var text = new StringBuilder(Version2Header);
        foreach (var name in names)
        {
            text.Append(string.Join('\t', name.Split('.').Select(Escape))).Append('\n');
        }

        AtomicFile.Write(path, text.ToString());
    }

    private static string Escape(string level) => level
        .Replace("\u0001", "\u00011", StringComparison.Ordinal)
        .Replace("\t", "\u0001t", StringComparison.Ordinal)
        .Replace("\r", "\u0001r", StringComparison.Ordinal)
        .Replace("\n", "\u0001n", StringComparison.Ordinal);

    private static string Unescape(string level)
    {
        if (!level.Contains('\u0001', StringComparison.Ordinal))
        {
            return level;
        }

        var sb = new StringBuilder(level.Length);
        for (var i = 0; i < level.Length; i++)
        {
            if (level[i] == '\u0001' && i + 1 < level.Length)
            {
                i++;
                sb.Append(level[i] switch { 't' => '\t', 'r' => '\r', 'n' => '\n', '1' => '\u0001', var other => other });
            }
            else
            {
                sb.Append(level[i]);
            }
        }

        return sb.ToString();
    }
}
