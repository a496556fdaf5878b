using System.Diagnostics;

namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>Runs a command-line tool (docker-compose, kubectl, node, npm) to completion, bounded in time.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string Describe(string what) => $"{what} exited with {ExitCode}:\n{Error}\n{Output}";
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Resolve(file))
        {
            WorkingDirectory = workingDirectory ?? Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} took longer than {timeout}");
        }

        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// The tool on PATH, or in .artifacts/bin where test.sh puts a kubectl it had to fetch. A
    /// missing tool fails the test with the reason: these checks are part of the test command.
    /// </summary>
    public static string Resolve(string file)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append(Repository.Path(".artifacts", "bin"));
        foreach (var dir in dirs)
        {
            var candidate = System.IO.Path.Combine(dir, file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{file} is not installed: ./test.sh installs it (docker-compose and nodejs from Debian, kubectl into .artifacts/bin)");
    }
}
