using System.Diagnostics;

namespace Facteur.Hosting.Tests;

/// <summary>The real standalone host, started as a process with a bad setting: one line naming the key, a non-zero exit, no stack trace.</summary>
public sealed class StartFailureTests
{
    [Theory]
    [InlineData("Facteur__MaxMessageSize", "12", "Facteur:MaxMessageSize must be at least 1024")]
    [InlineData("Facteur__ListenAddress", "mars", "Facteur:ListenAddress must be '*', 'localhost' or an IP address (got 'mars')")]
    [InlineData("Facteur__Tls__CertificatePath", "/nonexistent/facteur.pem", "Facteur:Tls:CertificatePath: file not found: '/nonexistent/facteur.pem'")]
    public async Task A_misconfigured_standalone_host_exits_non_zero_with_one_line_naming_the_key(string variable, string value, string expected)
    {
        using var workingFolder = new TempFolder();

        // Everything else is valid: the standalone defaults' ./data files exist, so the only error is ours.
        Directory.CreateDirectory(workingFolder.Combine("data"));
        foreach (var file in new[] { "accounts", "aliases", "domains" })
        {
            File.WriteAllText(workingFolder.Combine("data", file), string.Empty);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingFolder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(StandaloneAssembly());
        start.Environment[variable] = value;
        start.Environment["Management__Port"] = "0";
        start.Environment.TryAdd("Facteur__ListenAddress", "127.0.0.1");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var errorLines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var output = await stdout;
        Assert.Equal(78, process.ExitCode);
        Assert.Equal([$"Facteur.Standalone: configuration error: {expected}"], errorLines);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    private static string StandaloneAssembly()
    {
        // tests/Facteur.Hosting.Tests/bin/<Configuration>/net10.0/ → services/standalone/bin/<Configuration>/net10.0/
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var root = testOutput.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(root, "services", "standalone", "bin", configuration, framework, "Facteur.Standalone.dll");
        Assert.True(File.Exists(path), $"the standalone host is not built at {path}");
        return path;
    }
}
