using System.CommandLine;
using Facteur.Cli.Commands;

namespace Facteur.Cli;

/// <summary>The <c>facteur</c> admin CLI: users, aliases, domains and a configuration check.</summary>
internal static class FacteurCli
{
    /// <summary>Runs one command line; returns the exit code (<see cref="ExitCodes"/>). Tests call this in-process.</summary>
    public static int Run(string[] args, CliConsole console)
    {
        var global = new GlobalOptions();
        var root = new RootCommand("facteur: manage Facteur's users, aliases and local domains, and check its configuration");
        global.AddTo(root);
        root.Subcommands.Add(UserCommands.Build(global, console));
        root.Subcommands.Add(AliasCommands.Build(global, console));
        root.Subcommands.Add(DomainCommands.Build(global, console));
        root.Subcommands.Add(ConfigCommands.Build(global, console));
        root.Subcommands.Add(Migration.MigrateCommands.Build(global, console));
        root.Subcommands.Add(Mbox.MboxCommands.Build(global, console));
        root.Subcommands.Add(DkimCommands.Build(global, console));
        root.Subcommands.Add(QueueCommands.Build(global, console));

        // No response files: "@esp.sn" is a catch-all alias, not a file of arguments.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            console.Error.WriteLine($"error: {parsed.Errors[0].Message}");
            console.Error.WriteLine("Run 'facteur --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (CommandFailedException failure)
        {
            console.Error.WriteLine($"error: {failure.Message}");
            return failure.ExitCode;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"error: {exception.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.Error;
        }
    }
}
