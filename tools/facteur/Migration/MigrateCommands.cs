using System.CommandLine;
using Facteur.Accounts.Addresses;
using Facteur.Cli.Commands;
using Facteur.Cli.Mbox;

namespace Facteur.Cli.Migration;

/// <summary><c>facteur migrate from-host</c>: move a Postfix + Dovecot server's users, mail, passwords and aliases.</summary>
internal static class MigrateCommands
{
    public static Command Build(GlobalOptions global, CliConsole console)
    {
        var migrate = new Command("migrate", "Move mail, accounts and aliases from another server");
        migrate.Subcommands.Add(FromHost(global, console));
        return migrate;
    }

    private static Command FromHost(GlobalOptions global, CliConsole console)
    {
        var domain = new Option<string>("--domain") { Description = "The mail domain the host's users receive for (user → user@domain)", Required = true };
        var users = new Option<string?>("--users") { Description = "Only these system users, separated by commas (taken even with a UID below 1000)" };
        var allUsers = new Option<bool>("--all-users") { Description = "Every user with UID ≥ 1000 and a usable password in /etc/shadow" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would move and the sizes; write nothing" };
        var root = new Option<string>("--root") { Description = "Read the old server's files under this folder instead of / (a copy, or a mount)", DefaultValueFactory = _ => "/" };
        var mailRoot = MboxCommands.MailRootOption();
        var command = new Command("from-host", "Copy Maildirs, mbox spools, /etc/shadow passwords and /etc/aliases + Postfix virtual into Facteur (safe to run again)")
        {
            domain, users, allUsers, dryRun, root, mailRoot,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var named = result.GetValue(users);
            var all = result.GetValue(allUsers);
            if ((named is null) == !all)
            {
                throw new CommandFailedException("give either --users alice,bob or --all-users");
            }

            if (!DomainName.TryNormalize(result.GetValue(domain)!, out var domainKey))
            {
                throw new CommandFailedException($"{result.GetValue(domain)} is not a domain name");
            }

            var settings = global.Settings(result, console);
            var hostRoot = Path.GetFullPath(result.GetValue(root)!, console.WorkingDirectory);
            if (!Directory.Exists(hostRoot))
            {
                throw new CommandFailedException($"--root: {hostRoot} does not exist");
            }

            var request = new HostMigrationRequest(
                hostRoot,
                domainKey,
                named?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                all,
                result.GetValue(dryRun),
                MboxCommands.MailRoot(global, result, console, mailRoot),
                settings.AccountsFile,
                settings.AliasesFile);
            if (!settings.LocalDomainKeys().Contains(domainKey))
            {
                console.Error.WriteLine($"warning: {domainKey} is not a local domain yet (add it with: facteur domain add {domainKey})");
            }

            MigrationReport report;
            try
            {
                report = await new HostMigration(request, console).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException exception)
            {
                throw new CommandFailedException(exception.Message);
            }

            report.WriteTable(console.Out, request.DryRun);
            return ExitCodes.Ok;
        });
        return command;
    }
}
