using Facteur.Accounts.Addresses;
using Facteur.Accounts.Files;

namespace Facteur.Accounts.Aliases;

/// <summary>
/// A parsed Postfix virtual(5) table. As postmap(1) reads it: blank lines and lines whose first non-blank
/// character is '#' are skipped; a line that starts with white space continues the previous logical line;
/// a logical line is <c>pattern whitespace result</c>, and the result is a list of addresses separated by
/// commas and/or white space. Supported patterns are <c>user@domain</c> and <c>@domain</c>.
/// </summary>
internal sealed class VirtualAliasFile
{
    private static readonly char[] TargetSeparators = [',', ' ', '\t'];

    private readonly Dictionary<string, VirtualAlias> _byKey;

    private VirtualAliasFile(List<VirtualAlias> entries, Dictionary<string, VirtualAlias> byKey, List<LineProblem> problems)
    {
        Entries = entries;
        _byKey = byKey;
        Problems = problems;
    }

    public static VirtualAliasFile Empty { get; } = new([], new(StringComparer.Ordinal), []);

    public IReadOnlyList<VirtualAlias> Entries { get; }

    public IReadOnlyList<LineProblem> Problems { get; }

    public VirtualAlias? Find(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>The lookup key of a pattern (<c>user@domain</c> or <c>@domain</c>), or null when it is not one.</summary>
    public static string? PatternKey(string pattern)
    {
        if (pattern.StartsWith('@'))
        {
            return DomainName.TryNormalize(pattern[1..], out var domain) ? "@" + domain : null;
        }

        return MailAddress.TryParse(pattern, out var address) ? address.Key : null;
    }

    public static VirtualAliasFile Parse(IEnumerable<string> lines)
    {
        var entries = new List<VirtualAlias>();
        var byKey = new Dictionary<string, VirtualAlias>(StringComparer.Ordinal);
        var problems = new List<LineProblem>();
        foreach (var logical in LogicalLines(lines))
        {
            if (TryParseEntry(logical.Text, logical.FirstLine, logical.LastLine, out var alias, out var entryProblems))
            {
                if (!byKey.TryAdd(alias.Key, alias))
                {
                    // postmap(1) warns about a duplicate entry and keeps the first one.
                    problems.Add(new LineProblem(logical.FirstLine, $"duplicate entry {alias.Pattern} (first on line {byKey[alias.Key].FirstLine}); ignored"));
                }
                else
                {
                    entries.Add(alias);
                }
            }

            problems.AddRange(entryProblems);
        }

        return new VirtualAliasFile(entries, byKey, problems);
    }

    /// <summary>Joins continuation lines; skips blank and comment lines.</summary>
    public static IEnumerable<(string Text, int FirstLine, int LastLine)> LogicalLines(IEnumerable<string> lines)
    {
        string? current = null;
        int first = 0, last = 0, number = 0;
        foreach (var line in lines)
        {
            number++;
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            if (char.IsWhiteSpace(line[0]) && current is not null)
            {
                current += " " + trimmed;
                last = number;
                continue;
            }

            if (current is not null)
            {
                yield return (current, first, last);
            }

            // A leading-white-space line with nothing to continue is taken as a line of its own.
            current = trimmed;
            first = last = number;
        }

        if (current is not null)
        {
            yield return (current, first, last);
        }
    }

    public static bool TryParseEntry(string text, int firstLine, int lastLine, out VirtualAlias alias, out List<LineProblem> problems)
    {
        alias = null!;
        problems = [];
        var split = text.IndexOfAny([' ', '\t']);
        var pattern = split < 0 ? text : text[..split];
        var result = split < 0 ? string.Empty : text[split..];

        var key = PatternKey(pattern);
        if (key is null)
        {
            problems.Add(new LineProblem(firstLine, $"'{MailboxName.Printable(pattern)}' is not user@domain or @domain (Postfix's bare user and domain forms are not supported); ignored"));
            return false;
        }

        var targets = new List<string>();
        foreach (var target in result.Split(TargetSeparators, StringSplitOptions.RemoveEmptyEntries))
        {
            if (MailAddress.TryParse(target, out _))
            {
                targets.Add(target);
            }
            else
            {
                problems.Add(new LineProblem(firstLine, $"target '{MailboxName.Printable(target)}' of {pattern} is not an address user@domain; ignored"));
            }
        }

        if (targets.Count == 0)
        {
            problems.Add(new LineProblem(firstLine, $"{pattern} has no usable target; ignored"));
            return false;
        }

        alias = new VirtualAlias(pattern, key, targets, firstLine, lastLine);
        return true;
    }
}
