using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Facteur.MailboxApi.Tests.Infrastructure;

/// <summary>
/// Debian's Dovecot (its IMAP or its POP3 server) started by hand on a loopback port over a given mail
/// root, with a private configuration: the reference the compatibility tests compare Facteur's answers
/// with. No plugins, so the answers are Dovecot's core protocol. Mail is owned by nobody (Dovecot refuses uid 0).
/// </summary>
internal sealed class DovecotServer : IAsyncDisposable
{
    private const int Nobody = 65534;
    private readonly Process _master;
    private readonly string _directory;

    private DovecotServer(Process master, string directory, int port)
    {
        _master = master;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <param name="protocol"><c>imap</c> or <c>pop3</c>.</param>
    public static bool IsAvailable(string protocol) =>
        File.Exists("/usr/sbin/dovecot") && File.Exists("/usr/lib/dovecot/" + protocol) && Environment.UserName == "root";

    /// <param name="protocol"><c>imap</c> or <c>pop3</c>.</param>
    public static async Task<DovecotServer> StartAsync(string protocol, string mailRoot, string user, string password)
    {
        if (protocol is not ("imap" or "pop3"))
        {
            throw new ArgumentException("imap or pop3", nameof(protocol));
        }

        var directory = Directory.CreateTempSubdirectory($"facteur-dovecot-{protocol}-").FullName;
        // Dovecot's auth process (user dovecot) must reach the passwd-file.
        await RunAsync("chmod", "755", directory);
        var passwd = Path.Combine(directory, "passwd");
        await File.WriteAllTextAsync(passwd, $"{user}:{{PLAIN}}{password}::::::\n");
        await RunAsync("chown", "-R", $"{Nobody}:{Nobody}", mailRoot);
        var port = FreePort();
        var config = $$"""
            base_dir = {{directory}}/run
            state_dir = {{directory}}/state
            log_path = {{directory}}/log
            protocols = {{protocol}}
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{mailRoot}}/%d/%n
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{passwd}}
            }
            userdb {
              driver = static
              args = uid={{Nobody}} gid={{Nobody}} home={{mailRoot}}/%d/%n
            }
            service {{protocol}}-login {
              inet_listener {{protocol}} {
                address = 127.0.0.1
                port = {{port}}
              }
              inet_listener {{protocol}}s {
                port = 0
              }
              chroot =
            }
            service anvil {
              chroot =
            }
            """;
        var configPath = Path.Combine(directory, "dovecot.conf");
        await File.WriteAllTextAsync(configPath, config);
        var start = new ProcessStartInfo("/usr/sbin/dovecot") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in (string[])["-F", "-c", configPath])
        {
            start.ArgumentList.Add(argument);
        }

        var master = Process.Start(start)!;
        var dovecot = new DovecotServer(master, directory, port);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return dovecot;
            }
            catch (SocketException) when (!master.HasExited)
            {
                await Task.Delay(100);
            }
        }

        await dovecot.DisposeAsync();
        throw new InvalidOperationException("Dovecot did not start: " + ReadLog(directory));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_master.HasExited)
        {
            await RunAsync("kill", "-TERM", _master.Id.ToString(CultureInfo.InvariantCulture));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _master.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _master.Kill(entireProcessTree: true);
            }
        }

        _master.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string ReadLog(string directory)
    {
        var log = Path.Combine(directory, "log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
    }
}

/// <summary>A fact that needs Debian's dovecot-pop3d (and root, to hand the Maildir to Dovecot's user); skipped elsewhere.</summary>
public sealed class DovecotFactAttribute : FactAttribute
{
    public DovecotFactAttribute()
    {
        if (!DovecotServer.IsAvailable("pop3"))
        {
            Skip = "needs dovecot-pop3d (apt-get install dovecot-pop3d) and root";
        }
    }
}
