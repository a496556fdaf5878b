using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.Migration.Tests;

/// <summary>
/// Debian's Dovecot (IMAP + POP3) started by hand on loopback ports over a <see cref="FakeHost"/>: passwords
/// checked as {CRYPT} against the fake root's shadow hashes, Maildir for alice, an mbox maildrop for bob.
/// Mail belongs to nobody (Dovecot refuses to run mail processes as root).
/// </summary>
internal sealed class OldServer : IAsyncDisposable
{
    private const int Nobody = 65534;
    private readonly string _directory;
    private readonly Process _master;

    private OldServer(string directory, Process master, int imapPort, int pop3Port)
    {
        _directory = directory;
        _master = master;
        ImapPort = imapPort;
        Pop3Port = pop3Port;
    }

    public int ImapPort { get; }

    public int Pop3Port { get; }

    public static bool IsAvailable =>
        File.Exists("/usr/sbin/dovecot") && File.Exists("/usr/lib/dovecot/imap") && File.Exists("/usr/lib/dovecot/pop3")
        && File.Exists("/usr/sbin/chpasswd") && Environment.UserName == "root";

    /// <param name="mbox">Users whose INBOX is the mbox /var/mail/USER (with folders in ~/mail).</param>
    public static async Task<OldServer> StartAsync(FakeHost host, string directory, IReadOnlyCollection<string> users, IReadOnlyCollection<string> mbox)
    {
        Directory.CreateDirectory(directory);
        // Dovecot's auth and mail processes (users dovecot, nobody) must reach the passwd-file and the homes;
        // temporary folders are created 0700.
        Cli.Tool("chmod", ["755", Path.GetDirectoryName(directory)!, Path.GetDirectoryName(host.Root)!, directory, host.Root]);
        var passwd = new StringBuilder();
        foreach (var user in users)
        {
            var extra = mbox.Contains(user) ? $"userdb_mail=mbox:~/mail:INBOX={host[$"var/mail/{user}"]}" : string.Empty;
            passwd.Append(CultureInfo.InvariantCulture, $"{user}:{host.ShadowHash(user)}:{Nobody}:{Nobody}::{host[$"home/{user}"]}::{extra}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "passwd"), passwd.ToString());
        Cli.Tool("chown", ["-R", $"{Nobody}:{Nobody}", host["home"], host["var/mail"]]);
        var imap = FreePort();
        var pop3 = FreePort();
        var config = $$"""
            base_dir = {{directory}}/run
            state_dir = {{directory}}/state
            log_path = {{directory}}/log
            protocols = imap pop3
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:~/Maildir
            mbox_lazy_writes = no
            mbox_write_locks = fcntl
            passdb {
              driver = passwd-file
              args = scheme=CRYPT username_format=%n {{directory}}/passwd
            }
            userdb {
              driver = passwd-file
              args = username_format=%n {{directory}}/passwd
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{imap}}
              }
              inet_listener imaps {
                port = 0
              }
              chroot =
            }
            service pop3-login {
              inet_listener pop3 {
                address = 127.0.0.1
                port = {{pop3}}
              }
              inet_listener pop3s {
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

        var server = new OldServer(directory, Process.Start(start)!, imap, pop3);
        await WaitForPortAsync(imap, () => server._master.HasExited, () => server.Log);
        await WaitForPortAsync(pop3, () => server._master.HasExited, () => server.Log);
        return server;
    }

    public string Log => File.Exists(Path.Combine(_directory, "log")) ? File.ReadAllText(Path.Combine(_directory, "log")) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        if (!_master.HasExited)
        {
            Cli.Tool("kill", ["-TERM", _master.Id.ToString(CultureInfo.InvariantCulture)]);
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
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitForPortAsync(int port, Func<bool> exited, Func<string> log)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (!exited())
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"nothing listens on {port}: {log()}");
    }
}

/// <summary>A test that needs Debian's dovecot-imapd/-pop3d, chpasswd and root; skipped elsewhere.</summary>
public sealed class OldServerFactAttribute : FactAttribute
{
    public OldServerFactAttribute()
    {
        if (!OldServer.IsAvailable)
        {
            Skip = "needs dovecot-imapd, dovecot-pop3d (apt-get install dovecot-imapd dovecot-pop3d) and root";
        }
    }
}
