using System.Text;
using Facteur.SmtpGateway.Tests.Infrastructure;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>
/// XCLIENT (Postfix's XCLIENT_README) and Smtp:TrustedNetworks: the webmail submits for every user from one
/// address. A trusted peer is not capped per address and names each browser, whose address then takes the
/// failed-AUTH count and the Received header; anyone else is refused the command.
/// </summary>
public sealed class XclientTests
{
    private const string Loopback = "127.0.0.0/8";

    private static Task<SmtpTestServer> StartAsync(params (string Key, string Value)[] settings)
        => SmtpTestServer.StartAsync(settings.Append((Key: "Facteur:AllowPlaintextAuth", Value: "true")).ToDictionary(s => s.Key, s => (string?)s.Value));

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    private static async Task<string> CommandAsync(RawSmtpClient client, string line)
    {
        await client.SendLineAsync(line);
        return RawSmtpClient.LastLine(await client.ReadReplyAsync());
    }

    /// <summary>Reads the banner, sends EHLO and returns its whole reply (the extensions offered).</summary>
    private static async Task<string?> GreetAsync(RawSmtpClient client)
    {
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        return await EhloAsync(client);
    }

    private static async Task<string?> EhloAsync(RawSmtpClient client)
    {
        await client.SendLineAsync("EHLO webmail.example");
        return await client.ReadReplyAsync();
    }

    private static async Task<RawSmtpClient> NamedAsync(SmtpTestServer server, string address)
    {
        var client = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort);
        Assert.StartsWith("220 mx.example.test", await CommandAsync(client, "XCLIENT ADDR=" + address));
        Assert.StartsWith("250 ", await CommandAsync(client, "EHLO webmail.example"));
        return client;
    }

    [Fact]
    public async Task An_untrusted_peer_is_not_offered_xclient_and_is_refused_it_with_550_5_7_0()
    {
        await using var server = await StartAsync();
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort);
        Assert.DoesNotContain("XCLIENT", await GreetAsync(client));
        Assert.Equal("550 5.7.0 Error: insufficient authorization", await CommandAsync(client, "XCLIENT ADDR=192.0.2.7"));

        // The session is still the peer's own: EHLO is not asked for again.
        Assert.StartsWith("250", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
    }

    [Fact]
    public async Task A_trusted_peer_names_the_client_the_session_starts_over_and_the_received_header_carries_the_named_address()
    {
        await using var server = await StartAsync(("Smtp:TrustedNetworks:0", Loopback));
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort);
        Assert.Contains("\n250 XCLIENT ADDR NAME PORT PROTO HELO", await GreetAsync(client));

        // The example of XCLIENT_README, with xtext in a value (+2E is ".").
        Assert.Equal("220 mx.example.test ESMTP Facteur", await CommandAsync(client, "XCLIENT NAME=spike+2Eporcupine.org ADDR=192.0.2.7 PROTO=ESMTP"));
        Assert.StartsWith("503 5.5.1 Error: send HELO/EHLO first", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
        Assert.StartsWith("250 ", await CommandAsync(client, "EHLO spike.porcupine.org"));
        Assert.StartsWith("250", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
        Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<alice@example.test>"));
        Assert.Equal("503 5.5.1 Error: MAIL transaction in progress", await CommandAsync(client, "XCLIENT ADDR=192.0.2.8"));
        Assert.StartsWith("354", await CommandAsync(client, "DATA"));
        Assert.StartsWith("250", await CommandAsync(client, "Subject: named\r\n\r\nbody\r\n."));

        var (envelope, content) = server.Intake.Committed.Single();
        Assert.Equal("192.0.2.7", envelope.ClientAddress);
        Assert.StartsWith("Received: from spike.porcupine.org ([192.0.2.7])", Encoding.ASCII.GetString(content));
    }

    [Fact]
    public async Task Failed_auth_after_xclient_counts_against_the_named_browser_not_the_webmail()
    {
        await using var server = await StartAsync(("Smtp:TrustedNetworks:0", Loopback), ("Smtp:MaxAuthFailuresPerIp", "2"), ("Smtp:AuthFailureDelay", "00:00:00"));
        await using (var guesser = await NamedAsync(server, "198.51.100.1"))
        {
            Assert.StartsWith("535 5.7.8", await CommandAsync(guesser, "AUTH PLAIN " + Plain("alice@example.test", "guess1")));
            Assert.StartsWith("421 4.7.0", await CommandAsync(guesser, "AUTH PLAIN " + Plain("alice@example.test", "guess2")));
        }

        await using (var again = await NamedAsync(server, "198.51.100.1"))
        {
            Assert.StartsWith("454 4.7.0", await CommandAsync(again, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
        }

        // Another browser behind the same webmail, and the webmail itself, still authenticate.
        await using (var other = await NamedAsync(server, "IPV6:2001:db8::5"))
        {
            Assert.StartsWith("235", await CommandAsync(other, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
        }

        await using var webmail = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort);
        Assert.StartsWith("235", await CommandAsync(webmail, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
    }

    [Fact]
    public async Task Xclient_after_starttls_keeps_tls_and_auth_is_offered_without_plaintext_auth()
    {
        // The webmail's path in compose and k8s: STARTTLS on submission, then XCLIENT, EHLO, AUTH.
        await using var server = await SmtpTestServer.StartAsync(new Dictionary<string, string?> { ["Smtp:TrustedNetworks:0"] = Loopback });
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort);
        Assert.Equal("220 2.0.0 Ready to start TLS", await CommandAsync(client, "STARTTLS"));
        await client.UpgradeToTlsAsync();
        Assert.StartsWith("250 ", await CommandAsync(client, "EHLO webmail.example"));
        Assert.StartsWith("220 ", await CommandAsync(client, "XCLIENT ADDR=198.51.100.20"));
        var ehlo = await EhloAsync(client);
        Assert.Contains("AUTH PLAIN LOGIN", ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.StartsWith("235", await CommandAsync(client, "AUTH PLAIN " + Plain("alice@example.test", TestAccounts.Password)));
        Assert.StartsWith("250", await CommandAsync(client, "MAIL FROM:<alice@example.test>"));
        Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<someone@remote.example>"));
        Assert.StartsWith("354", await CommandAsync(client, "DATA"));
        Assert.StartsWith("250", await CommandAsync(client, "Subject: from the browser\r\n\r\nbody\r\n."));
        var content = Encoding.ASCII.GetString(server.Intake.Committed.Single().Content);
        Assert.StartsWith("Received: from webmail.example ([198.51.100.20])", content);
        Assert.Contains("with ESMTPSA", content);
    }

    [Fact]
    public async Task A_trusted_peer_is_not_capped_by_max_connections_per_ip()
    {
        await using var server = await StartAsync(("Smtp:TrustedNetworks:0", Loopback), ("Smtp:MaxConnectionsPerIp", "1"));
        var sessions = new List<RawSmtpClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                sessions.Add(await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort));
            }

            foreach (var session in sessions)
            {
                Assert.StartsWith("250", await CommandAsync(session, "NOOP"));
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("XCLIENT", "501 5.5.4 Syntax: XCLIENT attribute=value ...")]
    [InlineData("XCLIENT LOGIN=alice", "501 5.5.4 Bad XCLIENT attribute name: LOGIN")]
    [InlineData("XCLIENT ADDR", "501 5.5.4 Bad XCLIENT attribute name: ADDR")]
    [InlineData("XCLIENT ADDR=999.0.0.1", "501 5.5.4 Bad XCLIENT ADDR syntax")]
    [InlineData("XCLIENT ADDR=2001:db8::1", "501 5.5.4 Bad XCLIENT ADDR syntax")] // IPv6 needs its IPV6: prefix
    [InlineData("XCLIENT ADDR=IPV6:192.0.2.1", "501 5.5.4 Bad XCLIENT ADDR syntax")]
    [InlineData("XCLIENT ADDR=192.0.2.1+", "501 5.5.4 Bad XCLIENT ADDR syntax")] // bad xtext
    [InlineData("XCLIENT HELO=evil+0D+0AX-Injected:+20yes", "501 5.5.4 Bad XCLIENT HELO syntax")] // would break the Received header
    [InlineData("XCLIENT PORT=70000", "501 5.5.4 Bad XCLIENT PORT syntax")]
    [InlineData("XCLIENT PROTO=HTTP", "501 5.5.4 Bad XCLIENT PROTO syntax")]
    public async Task Bad_xclient_attributes_get_501_and_leave_the_session_as_it_was(string command, string reply)
    {
        await using var server = await StartAsync(("Smtp:TrustedNetworks:0", Loopback));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        Assert.Equal(reply, await CommandAsync(client, command));
        Assert.StartsWith("250", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
        Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<alice@example.test>"));
        Assert.StartsWith("354", await CommandAsync(client, "DATA"));
        Assert.StartsWith("250", await CommandAsync(client, "Subject: t\r\n\r\nbody\r\n."));
        Assert.Equal("127.0.0.1", server.Intake.Committed.Single().Envelope.ClientAddress);
    }

    [Fact]
    public async Task Unavailable_values_keep_the_peer_address_and_forget_the_greeting()
    {
        await using var server = await StartAsync(("Smtp:TrustedNetworks:0", Loopback));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        Assert.StartsWith("220", await CommandAsync(client, "XCLIENT ADDR=[UNAVAILABLE] NAME=[TEMPUNAVAIL] HELO=[UNAVAILABLE]"));
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
    }

    [Fact]
    public async Task A_trusted_network_that_is_not_cidr_stops_the_host_at_start()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(("Smtp:TrustedNetworks:0", "webmail")));
        Assert.Contains("Smtp:TrustedNetworks: 'webmail' is not a network in CIDR form", failure.ToString());
    }
}
