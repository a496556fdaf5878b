using System.CommandLine;
using Facteur.Cli.Configuration;

namespace Facteur.Cli.Commands;

/// <summary>Options every command takes (recursive on the root command).</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Config { get; } = new("--config") { Description = "A JSON configuration file, read after ./appsettings.json and before environment variables", Recursive = true };

    public Option<string?> Accounts { get; } = new("--accounts") { Description = "The passwd-file (default: Facteur:AccountsFile)", Recursive = true };

    public Option<string?> Aliases { get; } = new("--aliases") { Description = "The virtual(5) aliases file (default: Facteur:AliasesFile)", Recursive = true };

    public Option<string?> DomainsFile { get; } = new("--domains-file") { Description = "The domains file (default: Facteur:DomainsFile)", Recursive = true };

    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(Accounts);
        command.Options.Add(Aliases);
        command.Options.Add(DomainsFile);
    }

    public CliSettings Settings(ParseResult result, CliConsole console) =>
        CliSettings.Load(console, result.GetValue(Config), result.GetValue(Accounts), result.GetValue(Aliases), result.GetValue(DomainsFile));
}
