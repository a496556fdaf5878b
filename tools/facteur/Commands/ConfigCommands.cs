using System.CommandLine;
using Facteur.Cli.Configuration;

namespace Facteur.Cli.Commands;

/// <summary><c>facteur config check</c>.</summary>
internal static class ConfigCommands
{
    public static Command Build(GlobalOptions global, CliConsole console)
    {
        var config = new Command("config", "Inspect the configuration the services would load");
        var check = new Command("check", "Validate the configuration (./appsettings.json, --config, Facteur__… variables) and print what the services would listen on");
        check.SetAction(result =>
        {
            var configuration = CliSettings.LoadConfiguration(console.WorkingDirectory, result.GetValue(global.Config));
            var report = new ConfigurationCheck(configuration, console.WorkingDirectory).Run();
            foreach (var warning in report.Warnings)
            {
                console.Error.WriteLine($"warning: {warning}");
            }

            if (report.Errors.Count > 0)
            {
                // One line naming the key: the first problem is the one to fix first.
                var (key, message) = report.Errors[0];
                throw new CommandFailedException($"{key}: {message}");
            }

            console.Out.WriteLine("configuration ok");
            foreach (var line in report.Summary)
            {
                console.Out.WriteLine(line);
            }

            return ExitCodes.Ok;
        });
        config.Subcommands.Add(check);
        return config;
    }
}
