using System.Text.Json;
using Facteur.Cli;

namespace Facteur.Relay.Tests;

/// <summary>The <c>facteur</c> CLI run in-process with a configuration file of the test's own.</summary>
internal static class Cli
{
    public static (int Exit, string Out, string Error) Run(string workingDirectory, IDictionary<string, object> configuration, params string[] args)
    {
        var config = Path.Combine(workingDirectory, "cli-settings.json");
        File.WriteAllText(config, JsonSerializer.Serialize(configuration));
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(new StringReader(string.Empty), output, error, inputIsTerminal: false, workingDirectory);
        var exit = FacteurCli.Run([.. args, "--config", config], console);
        return (exit, output.ToString(), error.ToString());
    }
}
