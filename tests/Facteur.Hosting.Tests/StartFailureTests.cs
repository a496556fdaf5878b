using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

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
        var (exitCode, errorLines, output) = await RunStandaloneAsync(new() { [variable] = value });

        Assert.Equal(78, exitCode);
        Assert.Equal([$"Facteur.Standalone: configuration error: {expected}"], errorLines);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A port another process holds: Facteur's own listeners (IMAP, POP3) and Kestrel's (SMTP, the
    /// webmail) all end in one line on stderr naming the service and the address, and exit EX_OSERR —
    /// not an unhandled exception's SIGABRT (exit 134), which is what it was, nor Kestrel's
    /// "Failed to bind to address http://…" for an SMTP port, which it was after that.
    /// </summary>
    [Theory]
    [InlineData("Imap__Port", "Cannot listen for imap on 127.0.0.1:{0}: Address already in use")]
    [InlineData("Pop3__TlsPort", "Cannot listen for pop3s on 127.0.0.1:{0}: Address already in use")]
    [InlineData("Smtp__Port", "Cannot listen for smtp on 127.0.0.1:{0}: Address already in use")]
    [InlineData("Smtp__SubmissionPort", "Cannot listen for submission on 127.0.0.1:{0}: Address already in use")]
    [InlineData("Http__Port", "Cannot listen for webmail on 127.0.0.1:{0}: Address already in use")]
    public async Task A_port_in_use_ends_the_start_with_one_line_and_exit_71(string variable, string expected)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var held = ((IPEndPoint)holder.LocalEndpoint).Port;

        // Every other port the standalone opens is the system's pick, so only the held one can clash.
        var environment = new Dictionary<string, string>
        {
            ["Smtp__Port"] = "0", ["Smtp__SubmissionPort"] = "0", ["Smtp__SubmissionsPort"] = "0",
            ["Imap__Port"] = "0", ["Imap__TlsPort"] = "0", ["Pop3__Port"] = "0", ["Pop3__TlsPort"] = "0",
            ["Http__Port"] = "0",
        };
        environment[variable] = held.ToString(CultureInfo.InvariantCulture);

        var (exitCode, errorLines, output) = await RunStandaloneAsync(environment);

        Assert.Equal(71, exitCode);
        Assert.Equal([$"Facteur.Standalone: {string.Format(CultureInfo.InvariantCulture, expected, held)}"], errorLines);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("BackgroundService failed", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string[] ErrorLines, string Output)> RunStandaloneAsync(Dictionary<string, string> environment)
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
        foreach (var (variable, value) in environment)
        {
            start.Environment[variable] = value;
        }

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
        return (process.ExitCode, errorLines, await stdout);
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
