namespace Facteur.Cli.Migration;

/// <summary>
/// Turns the old server's aliases into Facteur's virtual(5) lines for one domain: <c>/etc/aliases</c>
/// (aliases(5): <c>name: target, target</c>, continuation lines start with white space) and Postfix's
/// <c>/etc/postfix/virtual</c> (virtual(5): <c>pattern target, target</c>). A bare local name becomes
/// <c>name@domain</c>. Pipes, files and <c>:include:</c> lists have no equivalent here and are reported.
/// </summary>
internal static class SystemAliases
{
    public static List<(string Pattern, List<string> Targets)> Convert(string root, string domain, List<string> skipped)
    {
        var result = new List<(string, List<string>)>();
        var aliases = Path.Combine(root, "etc", "aliases");
        if (File.Exists(aliases))
        {
            foreach (var (text, line) in LogicalLines(File.ReadAllLines(aliases)))
            {
                var colon = text.IndexOf(':');
                if (colon <= 0)
                {
                    skipped.Add($"etc/aliases line {line}: no 'name:'");
                    continue;
                }

                var name = text[..colon].Trim().Trim('"').ToLowerInvariant();
                var targets = Targets(text[(colon + 1)..], domain, $"etc/aliases line {line} ({name})", skipped);
                if (targets.Count > 0)
                {
                    result.Add(($"{name}@{domain}", targets));
                }
            }
        }

        var virtualFile = Path.Combine(root, "etc", "postfix", "virtual");
        if (File.Exists(virtualFile))
        {
            foreach (var (text, line) in LogicalLines(File.ReadAllLines(virtualFile)))
            {
                var fields = text.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2)
                {
                    skipped.Add($"etc/postfix/virtual line {line}: no target");
                    continue;
                }

                var pattern = fields[0].ToLowerInvariant();
                if (!pattern.Contains('@'))
                {
                    if (pattern.Equals(domain, StringComparison.OrdinalIgnoreCase) || pattern.Contains('.'))
                    {
                        continue; // "esp.sn anything": declares a virtual alias domain, not an alias
                    }

                    pattern = $"{pattern}@{domain}";
                }

                var patternDomain = pattern[(pattern.LastIndexOf('@') + 1)..];
                if (!patternDomain.Equals(domain, StringComparison.OrdinalIgnoreCase))
                {
                    skipped.Add($"etc/postfix/virtual line {line} ({pattern}): another domain than {domain}");
                    continue;
                }

                var targets = Targets(fields[1], domain, $"etc/postfix/virtual line {line} ({pattern})", skipped);
                if (targets.Count > 0)
                {
                    result.Add((pattern, targets));
                }
            }
        }

        return result;
    }

    private static List<string> Targets(string list, string domain, string where, List<string> skipped)
    {
        var targets = new List<string>();
        foreach (var raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var target = raw.Trim('"');
            if (target.StartsWith('|') || target.StartsWith('/') || target.StartsWith(":include:", StringComparison.OrdinalIgnoreCase))
            {
                skipped.Add($"{where}: target {target} (a pipe, a file or an include list) has no equivalent in Facteur");
                continue;
            }

            // "\bob" in aliases(5): deliver to bob without aliasing again.
            target = target.TrimStart('\\');
            if (!target.Contains('@'))
            {
                target = $"{target.ToLowerInvariant()}@{domain}";
            }

            if (!targets.Contains(target, StringComparer.OrdinalIgnoreCase))
            {
                targets.Add(target);
            }
        }

        return targets;
    }

    private static IEnumerable<(string Text, int Line)> LogicalLines(string[] lines)
    {
        string? current = null;
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)
            {
                continue;
            }

            if (char.IsWhiteSpace(line[0]) && current is not null)
            {
                current += " " + line.Trim();
                continue;
            }

            if (current is not null)
            {
                yield return (current, start);
            }

            current = line.Trim();
            start = i + 1;
        }

        if (current is not null)
        {
            yield return (current, start);
        }
    }
}
