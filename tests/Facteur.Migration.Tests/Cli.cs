using System.Diagnostics;
using Facteur.Cli;

namespace Facteur.Migration.Tests;

internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
}

/// <summary>Runs the real <c>facteur</c> entry point in-process, or a tool of the system.</summary>
internal static class Cli
{
    public static CliRun Facteur(string workingDirectory, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole(new StringReader(string.Empty), output, error, inputIsTerminal: false, workingDirectory);
        var code = FacteurCli.Run(args, console);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs a program; fails the test when it does not exit 0 within the time.</summary>
    public static string Tool(string file, IEnumerable<string> args, string? input = null, int timeoutSeconds = 60)
    {
        var (code, stdout, stderr) = Run(file, args, input, timeoutSeconds);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>Runs a program for its effect when it may fail (clean-up); the exit code and the standard error.</summary>
    public static (int ExitCode, string Error) TryTool(string file, IEnumerable<string> args, int timeoutSeconds = 60)
    {
        var (code, _, stderr) = Run(file, args, null, timeoutSeconds);
        return (code, stderr);
    }

    private static (int ExitCode, string Output, string Error) Run(string file, IEnumerable<string> args, string? input, int timeoutSeconds)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in {timeoutSeconds} s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
