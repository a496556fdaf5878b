using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Facteur.Migration.Tests;

/// <summary>Facteur's mailbox-api service (IMAP and POP3) started as its own process over a mail root and an accounts file.</summary>
internal sealed class FacteurMailboxApi : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private FacteurMailboxApi(Process process, int imapPort, int pop3Port)
    {
        _process = process;
        ImapPort = imapPort;
        Pop3Port = pop3Port;
    }

    public int ImapPort { get; }

    public int Pop3Port { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<FacteurMailboxApi> StartAsync(string workingDirectory, string mailRoot, string accounts, string aliases)
    {
        // Built with this test project (same configuration, same target framework: bin/<configuration>/<tfm>/).
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(RepositoryRoot(), "services", "mailbox-api", "bin", output.Parent!.Name, output.Name, "Facteur.MailboxApi.dll");
        var port = OldServer.FreePort();
        var imap = OldServer.FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        var environment = new Dictionary<string, string>
        {
            ["Facteur__MailRoot"] = mailRoot,
            ["Facteur__AccountsFile"] = accounts,
            ["Facteur__AliasesFile"] = aliases,
            ["Facteur__DomainsFile"] = Path.Combine(workingDirectory, "domains"),
            ["Facteur__Domains__0"] = "esp.sn",
            ["Facteur__Hostname"] = "mail.esp.sn",
            ["Facteur__ListenAddress"] = "127.0.0.1",
            ["Facteur__AllowPlaintextAuth"] = "true",
            ["Facteur__Transport"] = "InMemory",
            ["Imap__Port"] = imap.ToString(CultureInfo.InvariantCulture),
            ["Imap__TlsPort"] = OldServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Pop3__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Pop3__TlsPort"] = OldServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Management__Port"] = OldServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new FacteurMailboxApi(process, imap, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await OldServer.WaitForPortAsync(port, () => process.HasExited, () => server.Log);
        await OldServer.WaitForPortAsync(imap, () => process.HasExited, () => server.Log);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Facteur.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Facteur.slnx not found above the test folder");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
