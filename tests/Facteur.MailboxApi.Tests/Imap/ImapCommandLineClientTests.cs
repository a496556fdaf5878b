using System.Globalization;
using Facteur.Hosting;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// Command-line clients beyond what ImapRealClientTests covers: fetchmail's keep / no-keep cycle,
/// curl's EXAMINE, sections, partials and custom commands, and mbsync over STARTTLS and implicit TLS
/// with the server's certificate verified.
/// </summary>
[Collection(ExternalProcessesCollection.Name)]
public sealed class ImapCommandLineClientTests
{
    [Fact]
    public async Task Fetchmail_keeps_then_deletes_and_a_kept_message_is_not_fetched_twice()
    {
        Assert.True(Tool.Exists("/usr/bin/fetchmail"), "fetchmail is installed by test.sh");
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            server.Deliver(MaildirSeed.Message($"fetch {i}", $"body {i}\r\n"));
        }

        using var work = new ScratchDirectory();
        var delivered = Directory.CreateDirectory(Path.Combine(work.Path, "delivered")).FullName;

        // keep: fetched, marked \Seen, left on the server.
        var (code, output) = await RunFetchmailAsync(server, work.Path, delivered, "keep");
        Assert.True(code == 0, output);
        Assert.Equal(5, Directory.GetFiles(delivered).Length);
        Assert.Equal(5, (await MailKitProbe.CountsAsync(server))["INBOX"]);
        Assert.Equal(MessageFlags.Seen, await MailKitProbe.FlagsAsync(server, "INBOX", "fetch 3") & MessageFlags.Seen);
        Assert.Contains("Subject: fetch 3", string.Concat(Directory.GetFiles(delivered).Select(File.ReadAllText)));

        // Again with keep: only unseen mail is fetched, so nothing (exit code 1: "no mail").
        (code, output) = await RunFetchmailAsync(server, work.Path, delivered, "keep");
        Assert.True(code == 1, output);
        Assert.Equal(5, Directory.GetFiles(delivered).Length);

        // A new message arrives; no keep, fetchall: everything is fetched once more and expunged from the server.
        server.Deliver(MaildirSeed.Message("fetch 6", "body 6\r\n"));
        (code, output) = await RunFetchmailAsync(server, work.Path, delivered, "no keep fetchall");
        Assert.True(code == 0, output);
        Assert.Equal(11, Directory.GetFiles(delivered).Length);
        Assert.Equal(0, (await MailKitProbe.CountsAsync(server))["INBOX"]);
        Assert.Equal(0, MaildirSeed.FileCount(server.Maildir()));
    }

    private static async Task<(int Code, string Output)> RunFetchmailAsync(ImapTestServer server, string work, string delivered, string options)
    {
        var rc = Path.Combine(work, "fetchmailrc");
        // One file per message: the MDA is a shell that writes stdin to a fresh file.
        await File.WriteAllTextAsync(rc, string.Create(CultureInfo.InvariantCulture,
            $"set no bouncemail\npoll 127.0.0.1 protocol IMAP port {server.Port} auth password user \"{ImapTestServer.User}\" password \"{ImapTestServer.Password}\" is \"someone\" here {options} sslproto '' mda \"/bin/sh -c 'cat > `mktemp {delivered}/m.XXXXXX`'\"\n"));
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return await Tool.RunAsync("fetchmail", ["-f", rc, "-v", "--nodetach", "--nosyslog"], TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["HOME"] = work, ["FETCHMAILHOME"] = work });
    }

    [Fact]
    public async Task Curl_examines_fetches_sections_and_partials_and_sends_custom_commands()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver("Subject: first\r\nFrom: a@example.test\r\n\r\nfirst body\r\n");
        server.Deliver("Subject: second\r\nFrom: b@example.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b\r\nContent-Type: text/plain\r\n\r\npart two text\r\n--b--\r\n");
        var url = string.Create(CultureInfo.InvariantCulture, $"imap://127.0.0.1:{server.Port}/");
        var user = $"{ImapTestServer.User}:{ImapTestServer.Password}";
        async Task<string> CurlAsync(string path, params string[] extra)
        {
            var (code, output) = await Tool.RunAsync("curl", ["-sS", "--max-time", "30", "-u", user, .. extra, url + path]);
            Assert.True(code == 0, $"curl {path} exited {code}: {output}");
            return output;
        }

        var examine = await CurlAsync("", "-X", "EXAMINE INBOX");
        Assert.Contains("* 2 EXISTS", examine);
        Assert.Contains("[UIDVALIDITY ", examine);

        var uidValidity = System.Text.RegularExpressions.Regex.Match(examine, @"UIDVALIDITY (\d+)").Groups[1].Value;
        Assert.Equal("part two text", await CurlAsync($"INBOX;UIDVALIDITY={uidValidity}/;UID=2/;SECTION=2"));
        Assert.Equal("first body\r\n", await CurlAsync("INBOX/;UID=1/;SECTION=TEXT"));
        Assert.Equal("Subject: first\r\n", await CurlAsync("INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT)").ContinueWith(t => t.Result.TrimEnd('\r', '\n') + "\r\n", TaskScheduler.Default));
        // <origin.count>: origin counts from 0 (RFC 3501 §6.4.5).
        Assert.Equal("rst b", await CurlAsync("INBOX/;UID=1/;SECTION=TEXT/;PARTIAL=2.5"));

        // A wrong UIDVALIDITY is refused by curl itself, after the server's SELECT said what it is.
        var (wrongCode, _) = await Tool.RunAsync("curl", ["-sS", "--max-time", "30", "-u", user, url + "INBOX;UIDVALIDITY=1/;UID=1"]);
        Assert.NotEqual(0, wrongCode);

        var search = await CurlAsync("INBOX", "-X", "UID SEARCH FROM b@example.test");
        Assert.Contains("* SEARCH 2", search);
        var flags = await CurlAsync("INBOX", "-X", "UID STORE 1 +FLAGS (\\Flagged)");
        Assert.Contains(@"\Flagged", flags);
        Assert.Equal(MessageFlags.Flagged, await MailKitProbe.FlagsAsync(server, "INBOX", "first") & MessageFlags.Flagged);
        Assert.Contains("* STATUS \"INBOX\" (MESSAGES 2 UIDNEXT 3)", await CurlAsync("", "-X", "STATUS INBOX (MESSAGES UIDNEXT)"));
    }

    [Fact]
    public async Task Mbsync_over_starttls_and_implicit_tls_verifies_the_certificate_and_syncs()
    {
        Assert.True(Tool.Exists("/usr/bin/mbsync"), "isync (mbsync) is installed by test.sh");
        await using var server = await ImapTestServer.StartAsync(new() { ["Facteur:AllowPlaintextAuth"] = "false" });
        for (var i = 1; i <= 20; i++)
        {
            server.Deliver(MaildirSeed.Message($"tls {i}", $"body {i}\r\n"));
        }

        using var work = new ScratchDirectory();
        var certificate = Path.Combine(work.Path, "server.pem");
        await File.WriteAllTextAsync(certificate, server.Services.GetRequiredService<IServerCertificate>().Certificate.ExportCertificatePem());
        foreach (var (mode, port) in (ValueTuple<string, int>[])[("STARTTLS", server.Port), ("IMAPS", server.TlsPort)])
        {
            var local = new LocalMaildir(Path.Combine(work.Path, mode));
            Directory.CreateDirectory(local.Root);
            var rc = Path.Combine(work.Path, "mbsyncrc-" + mode);
            await File.WriteAllTextAsync(rc, string.Create(CultureInfo.InvariantCulture, $"""
                IMAPAccount facteur
                Host 127.0.0.1
                Port {port}
                User {ImapTestServer.User}
                Pass "{ImapTestServer.Password}"
                SSLType {mode}
                CertificateFile {certificate}

                IMAPStore far
                Account facteur

                MaildirStore near
                Path {local.Root}/
                Inbox {local.Root}/INBOX

                Channel facteur
                Far :far:
                Near :near:
                Patterns INBOX
                Create Near
                Sync Pull
                SyncState *
                """));
            var (code, output) = await Tool.RunAsync("/usr/bin/mbsync", ["-c", rc, "-a"], TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["HOME"] = work.Path });
            Assert.True(code == 0, $"mbsync {mode} failed:\n{output}");
            Assert.Equal(20, local.Files("INBOX").Count);
            Assert.DoesNotContain("in the clear", output, StringComparison.Ordinal);
        }
    }
}
