using System.Text.RegularExpressions;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// What a sync client (mbsync, offlineimap) left on the local side: Maildirs found anywhere
/// under a root, their files, each file's Subject and its Maildir flags (the letters after ":2,").
/// </summary>
internal sealed partial class LocalMaildir(string root)
{
    public string Root { get; } = root;

    /// <summary>Every message file under the root (cur/ and new/ of every Maildir), excluding sync-state files.</summary>
    public IReadOnlyList<string> Files() =>
        Directory.Exists(Root)
            ? Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) is "cur" or "new")
                .ToList()
            : [];

    /// <summary>Message files of the Maildir whose path (relative to the root) is <paramref name="folder"/>.</summary>
    public IReadOnlyList<string> Files(string folder) =>
        ((string[])["cur", "new"])
            .Select(sub => Path.Combine(Root, folder, sub))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            .ToList();

    /// <summary>The one file whose Subject header is exactly <paramref name="subject"/>, or null.</summary>
    public string? FindBySubject(string folder, string subject) =>
        Files(folder).SingleOrDefault(f => SubjectOf(f) == subject);

    public static string? SubjectOf(string file)
    {
        foreach (var line in File.ReadLines(file))
        {
            if (line.Length == 0)
            {
                return null;
            }

            if (line.StartsWith("Subject: ", StringComparison.OrdinalIgnoreCase))
            {
                return line["Subject: ".Length..];
            }
        }

        return null;
    }

    /// <summary>The Maildir flag letters of a file name ("" when it has no ":2," info).</summary>
    public static string FlagsOf(string file)
    {
        var match = InfoPattern().Match(Path.GetFileName(file));
        return match.Success ? match.Groups[1].Value : string.Empty;
    }

    /// <summary>Renames the file so its info carries exactly <paramref name="flags"/> (sorted, as Maildir requires); returns the new path.</summary>
    public static string SetFlags(string file, string flags)
    {
        var name = Path.GetFileName(file);
        var colon = name.IndexOf(":2,", StringComparison.Ordinal);
        var bare = colon < 0 ? name : name[..colon];
        var sorted = new string([.. flags.Order()]);
        var directory = Path.GetDirectoryName(file)!;
        // A message that gets info must live in cur/ (new/ holds only files without it).
        if (Path.GetFileName(directory) == "new")
        {
            directory = Path.Combine(Path.GetDirectoryName(directory)!, "cur");
        }

        var target = Path.Combine(directory, bare + ":2," + sorted);
        File.Move(file, target);
        return target;
    }

    [GeneratedRegex(":2,([A-Za-z]*)$")]
    private static partial Regex InfoPattern();
}
