using System.Diagnostics;
using Facteur.Accounts.Passwords;

namespace Facteur.Cli.Tests;

/// <summary>On a terminal the password is asked for twice, without echo (driven through a pseudo-terminal by Python's pty module).</summary>
public sealed class TerminalPromptTests
{
    private const string Driver = """
        import os, pty, select, sys, time
        pid, fd = pty.fork()
        if pid == 0:
            os.execvp(sys.argv[1], sys.argv[1:])
        out = b""
        def until(marker, seconds=120):
            global out
            end = time.time() + seconds
            while marker not in out and time.time() < end:
                if select.select([fd], [], [], 0.5)[0]:
                    try:
                        out += os.read(fd, 1024)
                    except OSError:
                        return
        until(b"New password:")
        time.sleep(0.5)  # let the CLI switch the terminal to no-echo before typing
        os.write(fd, sys.stdin.readline().rstrip("\n").encode() + b"\r")
        until(b"Retype new password:")
        time.sleep(0.5)
        os.write(fd, sys.stdin.readline().rstrip("\n").encode() + b"\r")
        while True:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(out.decode(errors="replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """;

    [Fact]
    public async Task On_a_terminal_the_password_is_prompted_twice_without_echo()
    {
        using var cli = new CliFixture();

        var result = await RunOnTerminal(cli, "Tëranga-secret\nTëranga-secret\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("New password:", result.Output, StringComparison.Ordinal);
        Assert.Contains("user alice@esp.sn added", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Output, StringComparison.Ordinal);
        Assert.True(PasswordVerifier.Verify("Tëranga-secret", Assert.Single(cli.AccountLines()).Split(':')[1]).Matches);
    }

    [Fact]
    public async Task On_a_terminal_two_different_passwords_are_refused()
    {
        using var cli = new CliFixture();

        var result = await RunOnTerminal(cli, "one-password\nanother-password\n");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: the two passwords differ", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Accounts));
    }

    private static async Task<CliResult> RunOnTerminal(CliFixture cli, string typed)
    {
        var start = new ProcessStartInfo("python3")
        {
            WorkingDirectory = cli.Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-c", Driver, Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", Path.Combine(AppContext.BaseDirectory, "facteur.dll"), "user", "add", "alice@esp.sn", "--config", cli.ConfigFile })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(typed);
        process.StandardInput.Close();
        return await CliFixture.CompleteAsync(process, TimeSpan.FromMinutes(3));
    }
}
