using System.Diagnostics;
using System.Text.Json;

namespace Facteur.Cli.Tests;

/// <summary>The outcome of one <c>facteur</c> run.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public IReadOnlyList<string> OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
}

/// <summary>
/// A temp folder with a configuration (local domain esp.sn, files in the folder), and ways to run the real
/// <c>facteur</c>: in-process through its entry point, or as a separate process.
/// </summary>
internal sealed class CliFixture : IDisposable
{
    public CliFixture(Dictionary<string, object>? facteur = null, Dictionary<string, object>? extra = null)
    {
        Folder = Directory.CreateTempSubdirectory("facteur-cli-").FullName;
        var section = new Dictionary<string, object>
        {
            ["Hostname"] = "mail.esp.sn",
            ["Domains"] = new[] { "esp.sn" },
            ["AccountsFile"] = Accounts,
            ["AliasesFile"] = Aliases,
            ["DomainsFile"] = Domains,
            ["MailRoot"] = Path.Combine(Folder, "mail"),
            ["SpoolRoot"] = Path.Combine(Folder, "spool"),
            ["Transport"] = "InMemory",
        };
        foreach (var (key, value) in facteur ?? [])
        {
            section[key] = value;
        }

        var root = new Dictionary<string, object> { ["Facteur"] = section };
        foreach (var (key, value) in extra ?? [])
        {
            root[key] = value;
        }

        File.WriteAllText(ConfigFile, JsonSerializer.Serialize(root));
    }

    public string Folder { get; }

    public string ConfigFile => Path.Combine(Folder, "facteur.json");

    public string Accounts => Path.Combine(Folder, "accounts");

    public string Aliases => Path.Combine(Folder, "aliases");

    public string Domains => Path.Combine(Folder, "domains");

    /// <summary>Runs <c>facteur ARGS --config facteur.json</c> in-process with <paramref name="stdin"/> as standard input (not a terminal).</summary>
    public CliResult Run(string? stdin, params string[] args) => RunRaw(stdin, [.. args, "--config", ConfigFile]);

    public CliResult RunRaw(string? stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(new StringReader(stdin ?? string.Empty), output, error, inputIsTerminal: false, Folder);
        var exit = FacteurCli.Run(args, console);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>Starts <c>dotnet facteur.dll ARGS</c> as a process in the fixture's folder.</summary>
    public static Process Start(string workingDirectory, string? stdin, IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "facteur.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        return process;
    }

    public static async Task<CliResult> CompleteAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var output = process.StandardOutput.ReadToEndAsync(cancel.Token);
        var error = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"facteur did not finish within {timeout}");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    public string[] AccountLines() => File.Exists(Accounts) ? File.ReadAllLines(Accounts) : [];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
