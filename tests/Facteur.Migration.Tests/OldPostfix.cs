using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Facteur.Migration.Tests;

/// <summary>
/// Debian's Postfix as an old mail server runs it — <c>mydestination</c> the domain, system users, local(8)
/// delivery with <c>home_mailbox = Maildir/</c> — but as a private instance: its own config, queue and data
/// folders under the test's folder (<c>postfix -c DIR</c>), smtpd on a free loopback port only, no aliases.
/// Users named as mbox users go through a second local(8) transport with <c>home_mailbox</c> empty, so their
/// mail is appended to <c>/var/mail/USER</c> (Debian's mail_spool_directory) with a From_ line, as a site that
/// never switched to Maildir has it.
/// </summary>
internal sealed partial class OldPostfix : IAsyncDisposable
{
    private readonly string _config;
    private readonly string _maillog;

    private OldPostfix(string directory, int port)
    {
        _config = Path.Combine(directory, "etc");
        _maillog = Path.Combine(directory, "maillog");
        Port = port;
    }

    public int Port { get; }

    public static bool IsAvailable => File.Exists("/usr/sbin/postfix") && File.Exists("/usr/lib/postfix/sbin/local");

    public string Log => File.Exists(_maillog) ? File.ReadAllText(_maillog) : "(no maillog)";

    public static async Task<OldPostfix> StartAsync(string directory, string domain, IEnumerable<SystemUser> mboxUsers)
    {
        var port = OldServer.FreePort();
        var server = new OldPostfix(directory, port);
        foreach (var folder in (string[])["etc", "queue", "data"])
        {
            Directory.CreateDirectory(Path.Combine(directory, folder));
        }

        Cli.Tool("chown", ["postfix", Path.Combine(directory, "data")]);
        await File.WriteAllTextAsync(Path.Combine(server._config, "main.cf"), $"""
            compatibility_level = 3.6
            myhostname = oldmail.{domain}
            mydomain = {domain}
            myorigin = $mydomain
            mydestination = $mydomain
            mynetworks = 127.0.0.0/8
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            queue_directory = {directory}/queue
            data_directory = {directory}/data
            maillog_file = {server._maillog}
            maillog_file_prefixes = {directory}
            smtputf8_enable = no
            biff = no
            alias_maps =
            alias_database =
            home_mailbox = Maildir/
            mail_spool_directory = /var/mail
            transport_maps = texthash:{server._config}/transport
            smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination

            """);
        await File.WriteAllTextAsync(Path.Combine(server._config, "transport"), string.Concat(mboxUsers.Select(u => $"{u.Name}@{domain} spool:\n")));
        // Debian's master.cf with smtpd moved to the loopback port, a local(8) for the mbox users, postlogd for maillog_file.
        var master = new StringBuilder();
        foreach (var line in await File.ReadAllLinesAsync("/etc/postfix/master.cf"))
        {
            master.AppendLine(SmtpInet().IsMatch(line) ? $"127.0.0.1:{port} inet n - n - - smtpd" : line);
        }

        master.AppendLine("spool     unix  -       n       n       -       -       local -o home_mailbox=");
        if (!master.ToString().Contains("\npostlog", StringComparison.Ordinal))
        {
            master.AppendLine("postlog   unix-dgram n  -       n       -       1       postlogd");
        }

        await File.WriteAllTextAsync(Path.Combine(server._config, "master.cf"), master.ToString());
        Cli.TryTool("postfix", ["-c", server._config, "set-permissions"]);
        Cli.Tool("postfix", ["-c", server._config, "check"]);
        Cli.Tool("postfix", ["-c", server._config, "start"]);
        await OldServer.WaitForPortAsync(port, () => false, () => server.Log);
        return server;
    }

    /// <summary>Waits until local(8) has delivered <paramref name="count"/> messages in all (maillog <c>status=sent</c>).</summary>
    public async Task WaitForDeliveriesAsync(int count)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (Sent().Matches(Log).Count >= count)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Postfix delivered {Sent().Matches(Log).Count.ToString(CultureInfo.InvariantCulture)} of {count.ToString(CultureInfo.InvariantCulture)} messages in 60 s:\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        Cli.TryTool("postfix", ["-c", _config, "stop"]);
        // postfix stop returns once the master was told; its children leave within a moment.
        await Task.Delay(500);
    }

    [GeneratedRegex(@"^smtp\s+inet\s")]
    private static partial Regex SmtpInet();

    [GeneratedRegex(@" status=sent \(delivered to (mailbox|maildir)\)")]
    private static partial Regex Sent();
}
