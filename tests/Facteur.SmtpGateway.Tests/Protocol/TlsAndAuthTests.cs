using System.Diagnostics;
using System.Text;
using Facteur.SmtpGateway.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>STARTTLS (RFC 3207) and AUTH (RFC 4954) over raw sockets and MailKit.</summary>
public sealed class TlsAndAuthTests
{
    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    private static async Task<string> CommandAsync(RawSmtpClient client, string line)
    {
        await client.SendLineAsync(line);
        return RawSmtpClient.LastLine(await client.ReadReplyAsync());
    }

    private static async Task<RawSmtpClient> TlsSessionAsync(SmtpTestServer server)
    {
        var client = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort);
        Assert.Equal("220 2.0.0 Ready to start TLS", await CommandAsync(client, "STARTTLS"));
        await client.UpgradeToTlsAsync();
        return client;
    }

    [Fact]
    public async Task Starttls_discards_the_session_state_and_ehlo_then_offers_auth_but_not_starttls()
    {
        await using var server = await SmtpTestServer.StartAsync();
        await using var client = await TlsSessionAsync(server);
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "MAIL FROM:<alice@example.test>"));
        await client.SendLineAsync("EHLO client.example");
        var ehlo = await client.ReadReplyAsync();
        Assert.Contains("AUTH PLAIN LOGIN", ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "STARTTLS"));
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_refused_with_421_and_never_run()
    {
        await using var server = await SmtpTestServer.StartAsync();
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort);
        await client.SendAsync("STARTTLS\r\nMAIL FROM:<attacker@remote.example>\r\n"u8.ToArray());
        var replies = await client.ReadUntilClosedAsync();
        Assert.Equal(["421 4.5.0 Error: commands pipelined after STARTTLS"], replies);
        await Health.AssertServerStillAcceptsMailAsync(server);
    }

    [Fact]
    public async Task Auth_plain_with_initial_response_and_auth_login_with_challenges_succeed()
    {
        await using var server = await SmtpTestServer.StartAsync();
        await using (var client = await TlsSessionAsync(server))
        {
            await CommandAsync(client, "EHLO client.example");
            Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(client, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
            Assert.StartsWith("503 5.5.1", await CommandAsync(client, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
            Assert.StartsWith("250", await CommandAsync(client, "MAIL FROM:<alice@example.test>"));
            Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<someone@elsewhere.example>"));
        }

        await using (var client = await TlsSessionAsync(server))
        {
            await CommandAsync(client, "EHLO client.example");
            Assert.Equal("334 VXNlcm5hbWU6", await CommandAsync(client, "AUTH LOGIN"));
            Assert.Equal("334 UGFzc3dvcmQ6", await CommandAsync(client, Convert.ToBase64String("bob@example.test"u8.ToArray())));
            Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(client, Convert.ToBase64String(Encoding.UTF8.GetBytes(TestAccounts.Password))));
        }

        await using (var client = await TlsSessionAsync(server))
        {
            await CommandAsync(client, "EHLO client.example");
            Assert.Equal("334 ", await CommandAsync(client, "AUTH PLAIN"));
            Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(client, Plain("bob@example.test", TestAccounts.Password)));
        }
    }

    [Fact]
    public async Task Auth_cancel_bad_base64_empty_response_and_unknown_mechanism_get_their_codes()
    {
        await using var server = await SmtpTestServer.StartAsync();
        await using var client = await TlsSessionAsync(server);
        await CommandAsync(client, "EHLO client.example");
        Assert.Equal("334 ", await CommandAsync(client, "AUTH PLAIN"));
        Assert.StartsWith("501 5.0.0", await CommandAsync(client, "*"));
        Assert.StartsWith("501 5.5.2", await CommandAsync(client, "AUTH PLAIN !!!notbase64"));
        Assert.StartsWith("535 5.7.8", await CommandAsync(client, "AUTH PLAIN ="));
        Assert.StartsWith("504 5.5.4", await CommandAsync(client, "AUTH CRAM-MD5"));
        Assert.StartsWith("501 5.5.4", await CommandAsync(client, "AUTH"));
    }

    [Fact]
    public async Task Auth_is_not_available_on_the_mx_port_nor_before_tls_on_submission()
    {
        await using var server = await SmtpTestServer.StartAsync();
        await using (var mx = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort))
        {
            Assert.StartsWith("503 5.5.1", await CommandAsync(mx, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
        }

        await using var submission = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort);
        Assert.StartsWith("538 5.7.11", await CommandAsync(submission, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
        Assert.StartsWith("530 5.7.0", await CommandAsync(submission, "MAIL FROM:<alice@example.test>"));
    }

    [Fact]
    public async Task Plaintext_auth_works_on_submission_when_allowed_and_then_relays()
    {
        await using var server = await SmtpTestServer.StartAsync(new Dictionary<string, string?> { ["Facteur:AllowPlaintextAuth"] = "true" });
        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", server.SubmissionPort, SecureSocketOptions.None);
        Assert.False(client.IsSecure);
        await client.AuthenticateAsync("alice@example.test", TestAccounts.Password);
        await client.SendAsync(Messages.Simple("alice@example.test", "friend@elsewhere.example"));
        await client.DisconnectAsync(true);
        var (envelope, content) = Assert.Single(server.Intake.Committed);
        Assert.Equal("alice@example.test", envelope.AuthenticatedUser);
        Assert.Contains(" with ESMTPA id ", Encoding.UTF8.GetString(content));
    }

    [Fact]
    public async Task Auth_failures_are_delayed_then_the_address_is_refused()
    {
        await using var server = await SmtpTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Facteur:AllowPlaintextAuth"] = "true",
            ["Smtp:MaxAuthFailuresPerIp"] = "3",
            ["Smtp:AuthFailureDelay"] = "00:00:00.300",
        });
        await using (var client = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort))
        {
            var watch = Stopwatch.StartNew();
            Assert.StartsWith("535 5.7.8", await CommandAsync(client, "AUTH PLAIN " + Plain("alice@example.test", "guess1")));
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"answered after {watch.Elapsed}");
            Assert.StartsWith("535 5.7.8", await CommandAsync(client, "AUTH PLAIN " + Plain("alice@example.test", "guess2")));
            Assert.StartsWith("421 4.7.0", await CommandAsync(client, "AUTH PLAIN " + Plain("alice@example.test", "guess3")));
            Assert.Null(await client.ReadReplyAsync());
        }

        await using (var client = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort))
        {
            // Even the right password is refused while the address is blocked.
            Assert.StartsWith("454 4.7.0", await CommandAsync(client, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
        }

        await Health.AssertServerStillAcceptsMailAsync(server);
    }

    [Fact]
    public async Task A_failed_tls_handshake_does_not_harm_the_listener()
    {
        await using var server = await SmtpTestServer.StartAsync();
        await using (var client = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort))
        {
            Assert.StartsWith("220", await CommandAsync(client, "STARTTLS"));
            await client.SendAsync("this is not a TLS client hello\r\n"u8.ToArray());
            Assert.Null(await client.ReadReplyAsync());
        }

        await using (var tls = await RawSmtpClient.ConnectAsync(server.SubmissionsPort))
        {
            await tls.SendAsync("EHLO plain-text-on-the-tls-port\r\n"u8.ToArray());
            Assert.Null(await tls.ReadReplyAsync());
        }

        await Health.AssertServerStillAcceptsMailAsync(server);
    }
}
