using System.CommandLine;
using Facteur.Accounts.Addresses;
using Facteur.Accounts.Aliases;
using Facteur.Accounts.Users;
using Facteur.Cli.Files;

namespace Facteur.Cli.Commands;

/// <summary><c>facteur domain add|del|list</c> over the domains file (configuration's Facteur:Domains is read-only here).</summary>
internal static class DomainCommands
{
    private const UnixFileMode DomainsFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static Command Build(GlobalOptions global, CliConsole console)
    {
        var domain = new Command("domain", "Manage local domains (Facteur:Domains and the domains file Facteur:DomainsFile)");
        domain.Subcommands.Add(Add(global, console));
        domain.Subcommands.Add(Delete(global, console));
        domain.Subcommands.Add(List(global, console));
        return domain;
    }

    private static Command Add(GlobalOptions global, CliConsole console)
    {
        var name = new Argument<string>("domain") { Description = "The domain (IDN allowed: U-labels or A-labels)" };
        var command = new Command("add", "Make a domain local by adding it to the domains file") { name };
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            var (text, key) = ValidDomain(result.GetValue(name)!);
            if (settings.ConfiguredDomains.Any(d => DomainName.TryNormalize(d, out var k) && k == key))
            {
                throw new CommandFailedException($"{text} is already local (Facteur:Domains in configuration)");
            }

            LockedTextFile.Update(settings.DomainsFile, DomainsFileMode, lines =>
            {
                if (FindLine(lines, key) is { } index)
                {
                    throw new CommandFailedException($"{text} is already local ({settings.DomainsFile} line {index + 1})");
                }

                lines.Add(text);
                return 0;
            });
            console.Out.WriteLine($"domain {text} added");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(GlobalOptions global, CliConsole console)
    {
        var name = new Argument<string>("domain") { Description = "The domain" };
        var force = new Option<bool>("--force") { Description = "Remove it even if users or aliases of the domain remain" };
        var command = new Command("del", "Remove a domain from the domains file") { name, force };
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            var (text, key) = ValidDomain(result.GetValue(name)!);
            if (!result.GetValue(force))
            {
                var users = PasswdFile.Parse(LockedTextFile.ReadLines(settings.AccountsFile)).Entries.Count(e => e.Key.EndsWith("@" + key, StringComparison.Ordinal));
                var aliases = VirtualAliasFile.Parse(LockedTextFile.ReadLines(settings.AliasesFile)).Entries.Count(e => e.Key.EndsWith("@" + key, StringComparison.Ordinal));
                if (users + aliases > 0)
                {
                    throw new CommandFailedException($"{text} still has {users} user(s) and {aliases} alias(es): remove them first, or use --force");
                }
            }

            LockedTextFile.Update(settings.DomainsFile, DomainsFileMode, lines =>
            {
                if (FindLine(lines, key) is not { } index)
                {
                    var inConfiguration = settings.ConfiguredDomains.Any(d => DomainName.TryNormalize(d, out var k) && k == key);
                    throw new CommandFailedException(inConfiguration
                        ? $"{text} is set in configuration (Facteur:Domains), not in the domains file: change the configuration"
                        : $"{text} is not a local domain");
                }

                lines.RemoveAt(index);
                return 0;
            });
            console.Out.WriteLine($"domain {text} removed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(GlobalOptions global, CliConsole console)
    {
        var command = new Command("list", "List the local domains, one a line (configuration first, then the domains file)");
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var domain in settings.ConfiguredDomains)
            {
                if (DomainName.TryNormalize(domain, out var key) && seen.Add(key))
                {
                    console.Out.WriteLine(domain);
                }
            }

            var file = DomainsFile.Parse(LockedTextFile.ReadLines(settings.DomainsFile));
            foreach (var problem in file.Problems)
            {
                console.Error.WriteLine($"warning: {settings.DomainsFile} line {problem.LineNumber}: {problem.Message}");
            }

            foreach (var domain in file.Domains)
            {
                if (DomainName.TryNormalize(domain, out var key) && seen.Add(key))
                {
                    console.Out.WriteLine(domain);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static (string Text, string Key) ValidDomain(string text)
    {
        var trimmed = text.Trim().TrimEnd('.').ToLowerInvariant();
        return DomainName.TryNormalize(trimmed, out var key)
            ? (trimmed, key)
            : throw new CommandFailedException($"'{MailboxName.Printable(text)}' is not a valid domain name");
    }

    private static int? FindLine(List<string> lines, string key)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var text = DomainsFile.StripComment(lines[i]).Trim();
            if (text.Length > 0 && DomainName.TryNormalize(text, out var existing) && existing == key)
            {
                return i;
            }
        }

        return null;
    }
}
