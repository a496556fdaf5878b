using System.Text;
using Facteur.IntegrationTests.Infrastructure;
using MailKit.Net.Smtp;

namespace Facteur.IntegrationTests;

/// <summary>Issue 2: mail flows from real SMTP clients into the right Maildirs, in the standalone host.</summary>
public sealed class StandaloneReceiveTests(StandaloneFixture fixture) : IClassFixture<StandaloneFixture>
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);
    private readonly TestSite _site = fixture.Site;

    [Fact]
    public async Task Message_from_python_smtplib_lands_in_the_users_Maildir_with_the_body_intact_after_the_added_headers()
    {
        var inbox = _site.Maildir("bob@esp.sn");
        var before = inbox.Files().Count;
        // CRLF line endings, an 8-bit line, a line that starts with a dot (dot-stuffed on the wire) and
        // trailing spaces: all must reach the file exactly as sent.
        const string payload =
            "From: sender@remote.example\r\nTo: bob@esp.sn\r\nSubject: intact-1\r\nMessage-ID: <intact-1@remote.example>\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "Bonjour Bob,\r\n.a line that starts with a dot\r\n..two dots\r\ntrailing spaces   \r\nça marche — très bien.\r\n";
        var script = $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_site.SmtpPort}}, timeout=30)
            s.ehlo('client.remote.example')
            s.sendmail('sender@remote.example', ['bob@esp.sn'], {{PythonBytes(payload)}})
            s.quit()
            """;
        var (code, output) = await SmtpClients.PythonAsync(script);
        Assert.True(code == 0, output);

        var files = await inbox.WaitForAsync(before + 1, Delivery);
        var file = Assert.Single(files, f => MessageTokens.SubjectOf(f) == "intact-1");
        var stored = File.ReadAllBytes(file);
        var expected = Encoding.UTF8.GetBytes(payload);
        Assert.True(stored.AsSpan().EndsWith(expected), "message bytes changed:\n" + Encoding.UTF8.GetString(stored));
        var added = Encoding.UTF8.GetString(stored, 0, stored.Length - expected.Length);
        Assert.StartsWith("Return-Path: <sender@remote.example>", added);
        Assert.Contains("Delivered-To: bob@esp.sn", added);
        Assert.Contains("Received: from client.remote.example", added);
        Assert.Contains(" with ESMTP id ", added);
        Assert.Matches(@",S=\d+,W=\d+$", Path.GetFileName(file));
        Assert.Equal(new FileInfo(file).Length.ToString(), System.Text.RegularExpressions.Regex.Match(Path.GetFileName(file), @",S=(\d+)").Groups[1].Value);
    }

    [Fact]
    public async Task Message_from_MailKit_reaches_the_user()
    {
        var inbox = _site.Maildir("alice@esp.sn");
        var response = await SmtpClients.SendAsync(_site.SmtpPort, SmtpClients.Message("x@remote.example", "alice@esp.sn", "mailkit-1", "hello"));
        Assert.Contains("queued as", response, StringComparison.OrdinalIgnoreCase);

        await WaitForSubject(inbox, "mailkit-1");
    }

    [Fact]
    public async Task Message_from_swaks_to_a_user_in_the_second_domain_lands_there()
    {
        var (code, output) = await SmtpClients.SwaksAsync("--port", _site.SmtpPort.ToString(), "--from", "y@remote.example",
            "--to", "carol@example.test", "--header", "Subject: swaks-1", "--body", "from swaks");
        Assert.True(code == 0, output);

        await WaitForSubject(_site.Maildir("carol@example.test"), "swaks-1");
    }

    [Fact]
    public async Task Message_to_an_alias_is_delivered_once_to_each_target()
    {
        await SmtpClients.SendAsync(_site.SmtpPort, SmtpClients.Message("z@remote.example", "team@esp.sn", "alias-1", "to the team"));

        await WaitForSubject(_site.Maildir("alice@esp.sn"), "alias-1");
        await WaitForSubject(_site.Maildir("bob@esp.sn"), "alias-1");
    }

    [Fact]
    public async Task Message_to_a_sub_address_is_delivered_to_the_user()
    {
        await SmtpClients.SendAsync(_site.SmtpPort, SmtpClients.Message("z@remote.example", "alice+lists@esp.sn", "plus-1", "tagged"));

        await WaitForSubject(_site.Maildir("alice@esp.sn"), "plus-1");
    }

    [Fact]
    public async Task Rcpt_to_unknown_local_user_is_refused_with_550_5_1_1()
    {
        await using var smtp = await RawSmtp.ConnectAsync(_site.SmtpPort);
        Assert.StartsWith("220", await smtp.ReadReplyAsync());
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example"));
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@remote.example>"));
        Assert.StartsWith("550 5.1.1", await smtp.CommandAsync("RCPT TO:<nobody@esp.sn>"));
    }

    [Fact]
    public async Task Relay_attempt_on_port_25_is_refused_with_554_5_7_1()
    {
        var (code, output) = await SmtpClients.SwaksAsync("--port", _site.SmtpPort.ToString(), "--from", "alice@esp.sn",
            "--to", "someone@elsewhere.example", "--quit-after", "RCPT");
        Assert.NotEqual(0, code);
        Assert.Contains("554 5.7.1", output);
    }

    [Fact]
    public async Task Authenticated_submission_accepts_a_remote_recipient()
    {
        var message = SmtpClients.Message("alice@esp.sn", "friend@elsewhere.example", "relay-1", "to the world");
        var response = await SmtpClients.SendAsync(_site.SubmissionPort, message, user: "alice@esp.sn");
        Assert.Contains("queued as", response, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Submission_without_authentication_is_refused()
    {
        var message = SmtpClients.Message("alice@esp.sn", "friend@elsewhere.example", "relay-2", "no auth");
        // MailKit reports a 530 reply as ServiceNotAuthenticatedException carrying the server's text.
        var error = await Assert.ThrowsAsync<MailKit.ServiceNotAuthenticatedException>(() => SmtpClients.SendAsync(_site.SubmissionPort, message));
        Assert.StartsWith("5.7.0", error.Message);
    }

    [Fact]
    public async Task Wrong_password_is_refused_with_535()
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", _site.SubmissionPort, MailKit.Security.SecureSocketOptions.None);
        var error = await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => client.AuthenticateAsync("alice@esp.sn", "wrong"));
        Assert.Contains("535", error.Message + error.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Message_one_byte_over_MaxMessageSize_is_refused_with_552_and_lands_nowhere()
    {
        var inbox = _site.Maildir("alice@esp.sn");
        var before = inbox.Files().Count;
        await using var smtp = await RawSmtp.ConnectAsync(_site.SmtpPort);
        await smtp.ReadReplyAsync();
        await smtp.CommandAsync("EHLO client.example");
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@remote.example>"));
        Assert.StartsWith("250", await smtp.CommandAsync("RCPT TO:<alice@esp.sn>"));
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
        // The limit counts the message as the client sends it; the gateway's own Received header is not the client's.
        var header = "Subject: oversize-1\r\n\r\n";
        var line = new string('x', 998) + "\r\n";
        var body = new StringBuilder(header);
        while (body.Length + line.Length <= _site.MaxMessageSize)
        {
            body.Append(line);
        }

        body.Append(new string('y', (int)(_site.MaxMessageSize + 1 - body.Length - 2))).Append("\r\n");
        Assert.Equal(_site.MaxMessageSize + 1, Encoding.ASCII.GetByteCount(body.ToString()));
        await smtp.SendAsync(body + ".\r\n");
        Assert.StartsWith("552 5.3.4", await smtp.ReadReplyAsync());
        // The session goes on after the refusal.
        Assert.StartsWith("250", await smtp.CommandAsync("RSET"));

        await Task.Delay(1000);
        Assert.DoesNotContain(inbox.Files(), f => MessageTokens.SubjectOf(f) == "oversize-1");
        Assert.Equal(before, inbox.Files().Count(f => MessageTokens.SubjectOf(f) != "oversize-1"));
    }

    private static async Task WaitForSubject(MaildirProbe inbox, string subject)
    {
        var deadline = DateTime.UtcNow + Delivery;
        while (DateTime.UtcNow < deadline)
        {
            var matches = inbox.Files().Count(f => MessageTokens.SubjectOf(f) == subject);
            if (matches > 0)
            {
                await Task.Delay(300);
                Assert.Equal(1, inbox.Files().Count(f => MessageTokens.SubjectOf(f) == subject));
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"'{subject}' did not reach {inbox.Path} within {Delivery}");
    }

    private static string PythonBytes(string text)
    {
        var sb = new StringBuilder("b'");
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            sb.Append(b is >= 0x20 and < 0x7f and not (byte)'\'' and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:x2}");
        }

        return sb.Append('\'').ToString();
    }
}
