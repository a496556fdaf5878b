using System.Globalization;
using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>
/// A folder's <c>dovecot-keywords</c> file: lines <c>&lt;index&gt; &lt;name&gt;</c> mapping the letters
/// a–z of file names (index 0 = 'a') to IMAP keywords. At most 26 keywords fit in file names.
/// </summary>
public sealed class DovecotKeywords
{
    public const string FileName = "dovecot-keywords";
    public const int MaxKeywords = 26;

    private readonly string?[] _names = new string?[MaxKeywords];

    public static DovecotKeywords Read(string folderPath)
    {
        var keywords = new DovecotKeywords();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(folderPath, FileName), Encoding.UTF8);
        }
        catch (FileNotFoundException)
        {
            return keywords;
        }
        catch (DirectoryNotFoundException)
        {
            return keywords;
        }

        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0
                && int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < MaxKeywords
                && space + 1 < line.Length)
            {
                keywords._names[index] = line[(space + 1)..];
            }
        }

        return keywords;
    }

    /// <summary>The keyword a file-name letter stands for, or null when unassigned.</summary>
    public string? NameOf(char letter) => letter is >= 'a' and <= 'z' ? _names[letter - 'a'] : null;

    /// <summary>The letter of <paramref name="name"/> (case-insensitive, as IMAP keywords are), or null.</summary>
    public char? LetterOf(string name)
    {
        for (var i = 0; i < MaxKeywords; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return (char)('a' + i);
            }
        }

        return null;
    }

    /// <summary>The names of the letters in a file name's info.</summary>
    public IReadOnlyList<string> NamesOf(string letters) =>
        letters.Select(NameOf).OfType<string>().ToList();

    /// <summary>The letter of <paramref name="name"/>, assigning the first free one; null when all 26 are used.</summary>
    public char? GetOrAdd(string name)
    {
        if (LetterOf(name) is { } existing)
        {
            return existing;
        }

        var free = Array.IndexOf(_names, null);
        if (free < 0)
        {
            return null;
        }

        _names[free] = name;
        return (char)('a' + free);
    }

    /// <summary>Rewrites the file atomically (temp + rename). Callers hold the folder's uidlist lock.</summary>
    public void Write(string folderPath)
    {
        var text = new StringBuilder();
        for (var i = 0; i < MaxKeywords; i++)
        {
            if (_names[i] is { } name)
            {
                text.Append(i.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(name).Append('\n');
            }
        }

        AtomicFile.Write(Path.Combine(folderPath, FileName), text.ToString());
    }
}
