using System.CommandLine;
using Facteur.Accounts.Addresses;
using Facteur.Accounts.Passwords;
using Facteur.Accounts.Users;
using Facteur.Cli.Configuration;
using Facteur.Cli.Files;

namespace Facteur.Cli.Commands;

/// <summary><c>facteur user add|passwd|del|list</c> over the Dovecot passwd-file.</summary>
internal static class UserCommands
{
    // The accounts file holds password hashes: owner and group may read, others not (Dovecot's advice for passwd-files).
    private const UnixFileMode AccountsFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    public static Command Build(GlobalOptions global, CliConsole console)
    {
        var user = new Command("user", "Manage users (the Dovecot passwd-file Facteur:AccountsFile)");
        user.Subcommands.Add(Add(global, console));
        user.Subcommands.Add(Passwd(global, console));
        user.Subcommands.Add(Delete(global, console));
        user.Subcommands.Add(List(global, console));
        return user;
    }

    private static Command Add(GlobalOptions global, CliConsole console)
    {
        var address = new Argument<string>("address") { Description = "The new user, user@domain (the domain must be local)" };
        var refused = RefusedPasswordArgument();
        var scheme = SchemeOption();
        var command = new Command("add", "Add a user; the password is read from stdin (first line) or prompted for") { address, refused, scheme };
        command.SetAction(result =>
        {
            RefusePasswordArgument(result, refused);
            var settings = global.Settings(result, console);
            var name = ValidUserName(result.GetValue(address)!);
            MailAddress.TryParse(name, out var parsed);
            settings.RequireLocalDomain(parsed.Domain, DomainName.ToUnicode(parsed.Domain));
            RequireAbsent(settings.AccountsFile, LockedTextFile.ReadLines(settings.AccountsFile), parsed);

            // Hash before taking the lock: Argon2 takes a while, and other runs should not wait for it.
            var hash = PasswordHasher.Hash(PasswordInput.Read(console), SchemeName(result, scheme));
            LockedTextFile.Update(settings.AccountsFile, AccountsFileMode, lines =>
            {
                RequireAbsent(settings.AccountsFile, lines, parsed);
                lines.Add($"{name}:{hash}:::::");
                return 0;
            });
            console.Out.WriteLine($"user {name} added");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Passwd(GlobalOptions global, CliConsole console)
    {
        var address = new Argument<string>("address") { Description = "The user, user@domain" };
        var refused = RefusedPasswordArgument();
        var scheme = SchemeOption();
        var command = new Command("passwd", "Set a user's password (read from stdin or prompted for)") { address, refused, scheme };
        command.SetAction(result =>
        {
            RefusePasswordArgument(result, refused);
            var settings = global.Settings(result, console);
            var parsed = ParsedAddress(result.GetValue(address)!);
            FindLine(settings.AccountsFile, LockedTextFile.ReadLines(settings.AccountsFile), parsed);

            var hash = PasswordHasher.Hash(PasswordInput.Read(console), SchemeName(result, scheme));
            var name = LockedTextFile.Update(settings.AccountsFile, AccountsFileMode, lines =>
            {
                var index = FindLine(settings.AccountsFile, lines, parsed);
                var line = lines[index];
                var user = PasswdFile.UserField(line)!;
                var afterUser = line.Length > user.Length ? line[(user.Length + 1)..] : string.Empty;
                var nextColon = afterUser.IndexOf(':');
                lines[index] = user + ":" + hash + (nextColon < 0 ? string.Empty : afterUser[nextColon..]);
                return user;
            });
            console.Out.WriteLine($"password of {name} changed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(GlobalOptions global, CliConsole console)
    {
        var address = new Argument<string>("address") { Description = "The user, user@domain" };
        var command = new Command("del", "Remove a user from the accounts file (the Maildir is left in place)") { address };
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            var parsed = ParsedAddress(result.GetValue(address)!);
            var name = LockedTextFile.Update(settings.AccountsFile, AccountsFileMode, lines =>
            {
                var index = FindLine(settings.AccountsFile, lines, parsed);
                var user = PasswdFile.UserField(lines[index])!;
                lines.RemoveAt(index);
                return user;
            });
            console.Out.WriteLine($"user {name} removed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(GlobalOptions global, CliConsole console)
    {
        var domain = new Argument<string?>("domain") { Description = "Only the users of this domain", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("list", "List the users, one user@domain a line") { domain };
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            string? only = null;
            if (result.GetValue(domain) is { } filter && !DomainName.TryNormalize(filter, out only))
            {
                throw new CommandFailedException($"'{filter}' is not a valid domain name");
            }

            var file = PasswdFile.Parse(LockedTextFile.ReadLines(settings.AccountsFile));
            foreach (var problem in file.Problems)
            {
                console.Error.WriteLine($"warning: {settings.AccountsFile} line {problem.LineNumber}: {problem.Message}");
            }

            foreach (var entry in file.Entries.Where(e => only is null || e.Key.EndsWith("@" + only, StringComparison.Ordinal)))
            {
                console.Out.WriteLine(entry.UserName);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A hidden slot for a password typed as an argument, so it can be refused with a reason.</summary>
    private static Argument<string?> RefusedPasswordArgument() => new("password") { Arity = ArgumentArity.ZeroOrOne, Hidden = true };

    private static void RefusePasswordArgument(ParseResult result, Argument<string?> refused)
    {
        if (result.GetValue(refused) is not null)
        {
            throw new CommandFailedException("a password is not accepted as an argument (ps would show it to every user): give it on standard input or at the prompt", ExitCodes.Usage);
        }
    }

    private static Option<string> SchemeOption() => new("--scheme")
    {
        Description = "Hash scheme of the new password: ARGON2ID (default) or BLF-CRYPT",
        DefaultValueFactory = _ => PasswordHasher.Argon2id,
    };

    private static string SchemeName(ParseResult result, Option<string> scheme)
    {
        var name = result.GetValue(scheme)!.ToUpperInvariant();
        return PasswordHasher.Schemes.Contains(name)
            ? name
            : throw new CommandFailedException($"--scheme: new hashes are {string.Join(" or ", PasswordHasher.Schemes)}, not {name}", ExitCodes.Usage);
    }

    private static string ValidUserName(string name)
    {
        var trimmed = name.Trim();
        return MailboxName.Problem(trimmed) is { } problem
            ? throw new CommandFailedException($"'{MailboxName.Printable(name)}' is not a valid user address: {problem}")
            : trimmed;
    }

    private static MailAddress ParsedAddress(string text)
    {
        return MailAddress.TryParse(text.Trim(), out var parsed)
            ? parsed
            : throw new CommandFailedException($"'{MailboxName.Printable(text)}' is not a valid address user@domain");
    }

    private static void RequireAbsent(string file, List<string> lines, MailAddress address)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (PasswdFile.UserField(lines[i]) is { } user && MailAddress.TryParse(user, out var existing) && existing.Key == address.Key)
            {
                throw new CommandFailedException($"user {user} already exists ({file} line {i + 1})");
            }
        }
    }

    private static int FindLine(string file, List<string> lines, MailAddress address)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (PasswdFile.UserField(lines[i]) is { } user && MailAddress.TryParse(user, out var existing) && existing.Key == address.Key)
            {
                return i;
            }
        }

        throw new CommandFailedException($"no user {address.Text} in {file}");
    }
}
