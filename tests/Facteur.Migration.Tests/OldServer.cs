using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.Migration.Tests;

/// <summary>
/// Debian's Dovecot (IMAP + POP3) started by hand on loopback ports as a classic old server runs it: passwords
/// from the system's /etc/shadow (<c>passdb shadow</c>, crypt(3) so yescrypt works), mail processes as the
/// system users, <c>mail_location = maildir:~/Maildir</c>, and for mbox users the maildrop in /var/mail with
/// folders under ~/mail.
/// </summary>
internal sealed class OldServer : IAsyncDisposable
{
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
        && File.Exists("/usr/sbin/chpasswd") && File.Exists("/usr/sbin/useradd") && File.Exists("/usr/sbin/userdel")
        && OldPostfix.IsAvailable && Environment.UserName == "root";

    /// <param name="mbox">Users whose INBOX is the mbox /var/mail/USER (with folders in ~/mail).</param>
    public static async Task<OldServer> StartAsync(string directory, IEnumerable<SystemUser> users, IEnumerable<SystemUser> mbox)
    {
        Directory.CreateDirectory(directory);
        // The userdb says where the mail is; who may log in is /etc/shadow's business (passdb shadow).
        var userdb = new StringBuilder();
        foreach (var user in users)
        {
            var extra = mbox.Contains(user) ? $"userdb_mail=mbox:~/mail:INBOX={user.Spool}" : string.Empty;
            userdb.Append(CultureInfo.InvariantCulture, $"{user.Name}:x:{user.Uid}:{user.Gid}::{user.Home}::{extra}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "users"), userdb.ToString());
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
              driver = shadow
            }
            userdb {
              driver = passwd-file
              args = username_format=%n {{directory}}/users
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
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
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

/// <summary>A test that needs Debian's postfix, dovecot-imapd/-pop3d, useradd/chpasswd and root; skipped elsewhere.</summary>
public sealed class OldServerFactAttribute : FactAttribute
{
    public OldServerFactAttribute()
    {
        if (!OldServer.IsAvailable)
        {
            Skip = "needs postfix, dovecot-imapd, dovecot-pop3d (apt-get install postfix dovecot-imapd dovecot-pop3d), useradd and root";
        }
    }
}
