using System.CommandLine;
using Facteur.Accounts.Addresses;
using Facteur.Accounts.Aliases;
using Facteur.Cli.Files;

namespace Facteur.Cli.Commands;

/// <summary><c>facteur alias add|del|list</c> over the Postfix virtual(5) file.</summary>
internal static class AliasCommands
{
    private const UnixFileMode AliasesFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static Command Build(GlobalOptions global, CliConsole console)
    {
        var alias = new Command("alias", "Manage aliases (the Postfix virtual(5) file Facteur:AliasesFile)");
        alias.Subcommands.Add(Add(global, console));
        alias.Subcommands.Add(Delete(global, console));
        alias.Subcommands.Add(List(global, console));
        return alias;
    }

    private static Command Add(GlobalOptions global, CliConsole console)
    {
        var pattern = new Argument<string>("alias") { Description = "alias@domain, or @domain for a catch-all (the domain must be local)" };
        var targets = new Argument<string[]>("target") { Description = "Target addresses, separated by commas or given as several arguments", Arity = ArgumentArity.OneOrMore };
        var command = new Command("add", "Add an alias, or add targets to an existing one") { pattern, targets };
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            var (text, key, domain) = ValidPattern(result.GetValue(pattern)!);
            settings.RequireLocalDomain(domain, DomainName.ToUnicode(domain));
            var wanted = ValidTargets(result.GetValue(targets)!);

            var final = LockedTextFile.Update(settings.AliasesFile, AliasesFileMode, lines =>
            {
                var existing = FindEntry(lines, key);
                if (existing is null)
                {
                    lines.Add(Format(text, wanted));
                    return wanted;
                }

                var merged = existing.Targets.ToList();
                var added = wanted.Where(t => !merged.Contains(t, StringComparer.OrdinalIgnoreCase)).ToList();
                if (added.Count == 0)
                {
                    throw new CommandFailedException($"alias {existing.Pattern} already forwards to {string.Join(", ", wanted)}");
                }

                merged.AddRange(added);
                ReplaceEntry(lines, existing, Format(existing.Pattern, merged));
                return merged;
            });
            WarnAboutUnknownLocalTargets(settings, wanted, console);
            console.Out.WriteLine($"alias {text} -> {string.Join(", ", final)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(GlobalOptions global, CliConsole console)
    {
        var pattern = new Argument<string>("alias") { Description = "alias@domain or @domain" };
        var targets = new Argument<string[]>("target") { Description = "Remove only these targets (default: the whole alias)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("del", "Remove an alias, or some of its targets") { pattern, targets };
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            var (text, key, _) = ValidPattern(result.GetValue(pattern)!);
            var remove = result.GetValue(targets) is { Length: > 0 } given ? ValidTargets(given) : null;

            var message = LockedTextFile.Update(settings.AliasesFile, AliasesFileMode, lines =>
            {
                var existing = FindEntry(lines, key) ?? throw new CommandFailedException($"no alias {text} in {settings.AliasesFile}");
                if (remove is null)
                {
                    ReplaceEntry(lines, existing, null);
                    return $"alias {existing.Pattern} removed";
                }

                var missing = remove.Where(t => !existing.Targets.Contains(t, StringComparer.OrdinalIgnoreCase)).ToList();
                if (missing.Count > 0)
                {
                    throw new CommandFailedException($"alias {existing.Pattern} does not forward to {string.Join(", ", missing)}");
                }

                var left = existing.Targets.Where(t => !remove.Contains(t, StringComparer.OrdinalIgnoreCase)).ToList();
                ReplaceEntry(lines, existing, left.Count == 0 ? null : Format(existing.Pattern, left));
                return left.Count == 0 ? $"alias {existing.Pattern} removed" : $"alias {existing.Pattern} -> {string.Join(", ", left)}";
            });
            console.Out.WriteLine(message);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(GlobalOptions global, CliConsole console)
    {
        var command = new Command("list", "List the aliases, one 'alias<TAB>target, target' a line");
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            var file = VirtualAliasFile.Parse(LockedTextFile.ReadLines(settings.AliasesFile));
            foreach (var problem in file.Problems)
            {
                console.Error.WriteLine($"warning: {settings.AliasesFile} line {problem.LineNumber}: {problem.Message}");
            }

            foreach (var entry in file.Entries)
            {
                console.Out.WriteLine(Format(entry.Pattern, entry.Targets));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A local target that is neither a user nor an alias would make the alias bounce: say so, but allow it (the user may come next).</summary>
    private static void WarnAboutUnknownLocalTargets(Configuration.CliSettings settings, List<string> targets, CliConsole console)
    {
        var local = settings.LocalDomainKeys();
        var users = Accounts.Users.PasswdFile.Parse(LockedTextFile.ReadLines(settings.AccountsFile));
        var aliases = VirtualAliasFile.Parse(LockedTextFile.ReadLines(settings.AliasesFile));
        foreach (var target in targets)
        {
            MailAddress.TryParse(target, out var address);
            var bare = address.LocalPartWithoutExtension(settings.Configuration["Facteur:RecipientDelimiter"] ?? "+");
            var keys = bare is null ? [address.Key] : new[] { address.Key, MailAddress.LookupKey(bare, address.Domain) };
            if (local.Contains(address.Domain)
                && !keys.Any(k => users.Find(k) is not null || aliases.Find(k) is not null)
                && aliases.Find("@" + address.Domain) is null)
            {
                console.Error.WriteLine($"warning: {target} is neither a user nor an alias yet: mail to it will be refused");
            }
        }
    }

    private static string Format(string pattern, IEnumerable<string> targets) => pattern + "\t" + string.Join(", ", targets);

    private static (string Text, string Key, string Domain) ValidPattern(string text)
    {
        var trimmed = text.Trim();
        var key = trimmed.Contains(',') ? null : VirtualAliasFile.PatternKey(trimmed);
        if (key is null)
        {
            throw new CommandFailedException($"'{MailboxName.Printable(text)}' is not a valid alias: use alias@domain, or @domain for a catch-all");
        }

        return (trimmed, key, key[(key.LastIndexOf('@') + 1)..]);
    }

    private static List<string> ValidTargets(IEnumerable<string> arguments)
    {
        var targets = new List<string>();
        foreach (var target in arguments.SelectMany(a => a.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!MailAddress.TryParse(target, out _))
            {
                throw new CommandFailedException($"'{MailboxName.Printable(target)}' is not a valid target address user@domain");
            }

            if (!targets.Contains(target, StringComparer.OrdinalIgnoreCase))
            {
                targets.Add(target);
            }
        }

        return targets.Count > 0 ? targets : throw new CommandFailedException("no target address given");
    }

    private static VirtualAlias? FindEntry(List<string> lines, string key)
    {
        foreach (var (text, first, last) in VirtualAliasFile.LogicalLines(lines))
        {
            if (VirtualAliasFile.TryParseEntry(text, first, last, out var alias, out _) && alias.Key == key)
            {
                return alias;
            }
        }

        return null;
    }

    /// <summary>Replaces the entry's lines (continuations included) with <paramref name="replacement"/>, keeping comment lines found among them.</summary>
    private static void ReplaceEntry(List<string> lines, VirtualAlias entry, string? replacement)
    {
        var start = entry.FirstLine - 1;
        var count = entry.LastLine - entry.FirstLine + 1;
        var comments = lines.GetRange(start, count).Where(l => l.TrimStart().StartsWith('#')).ToList();
        lines.RemoveRange(start, count);
        var inserted = comments.ToList();
        if (replacement is not null)
        {
            inserted.Add(replacement);
        }

        lines.InsertRange(start, inserted);
    }
}
