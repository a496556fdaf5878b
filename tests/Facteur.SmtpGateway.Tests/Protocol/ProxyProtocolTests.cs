using System.Net.Sockets;
using System.Text;
using Facteur.Hosting.Tests.ProxyProtocol;
using Facteur.SmtpGateway.Tests.Infrastructure;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>HAProxy PROXY v1/v2 on a listener where it is enabled: the real client is what the session uses.</summary>
public sealed class ProxyProtocolTests : IAsyncLifetime
{
    private SmtpTestServer server = null!;

    public async Task InitializeAsync() => server = await SmtpTestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Smtp:ProxyProtocolListeners:0"] = "Mx",
        ["Smtp:ProxyProtocolListeners:1"] = "Submissions",
        ["Smtp:MaxConnectionsPerIp"] = "1",
        ["Smtp:ProxyProtocolTimeout"] = "00:00:01",
    });

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static async Task SendOneAsync(RawSmtpClient client)
    {
        Assert.StartsWith("220", await client.ReadReplyAsync());
        foreach (var line in new[] { "EHLO balanced.example", "MAIL FROM:<a@remote.example>", "RCPT TO:<alice@example.test>", "DATA" })
        {
            await client.SendLineAsync(line);
            Assert.Matches("^(250|354)", RawSmtpClient.LastLine(await client.ReadReplyAsync()));
        }

        await client.SendLineAsync("Subject: via proxy\r\n\r\nhi\r\n.");
        Assert.StartsWith("250 2.0.0", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Version_1_header_sets_the_client_address_for_envelope_and_received()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort, "PROXY TCP4 203.0.113.9 198.51.100.1 40000 25\r\n"u8.ToArray());
        await SendOneAsync(client);
        var (envelope, content) = server.Intake.Committed.Single();
        Assert.Equal("203.0.113.9", envelope.ClientAddress);
        Assert.StartsWith("Received: from balanced.example ([203.0.113.9])", Encoding.UTF8.GetString(content));
    }

    [Fact]
    public async Task Version_2_header_sets_the_client_address()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort, ProxyV2Header.Tcp4("198.51.100.77", 5555, "198.51.100.1", 25));
        await SendOneAsync(client);
        Assert.Equal("198.51.100.77", server.Intake.Committed.Single().Envelope.ClientAddress);
    }

    [Fact]
    public async Task Version_2_local_uses_the_socket_address()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort, ProxyV2Header.Build(0, 0x00, []));
        await SendOneAsync(client);
        Assert.Equal("127.0.0.1", server.Intake.Committed.Single().Envelope.ClientAddress);
    }

    [Theory]
    [InlineData("EHLO no-proxy-header\r\n")]
    [InlineData("PROXY TCP4 999.0.0.1 198.51.100.1 1 25\r\n")]
    [InlineData("PROXY TCP4 203.0.113.9 198.51.100.1 1 25\n")]
    public async Task A_malformed_header_closes_the_connection_without_a_banner(string preamble)
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort, Encoding.ASCII.GetBytes(preamble));
        Assert.Null(await client.ReadReplyAsync());
        await using var good = await RawSmtpClient.ConnectAsync(server.MxPort, "PROXY TCP4 203.0.113.10 198.51.100.1 1 25\r\n"u8.ToArray());
        await SendOneAsync(good);
    }

    [Fact]
    public async Task A_missing_header_times_out_and_closes()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort);
        Assert.Null(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task The_per_ip_connection_limit_counts_the_real_client_not_the_balancer()
    {
        await using var first = await RawSmtpClient.ConnectAsync(server.MxPort, "PROXY TCP4 203.0.113.1 198.51.100.1 1 25\r\n"u8.ToArray());
        Assert.StartsWith("220", await first.ReadReplyAsync());
        await using var other = await RawSmtpClient.ConnectAsync(server.MxPort, "PROXY TCP4 203.0.113.2 198.51.100.1 1 25\r\n"u8.ToArray());
        Assert.StartsWith("220", await other.ReadReplyAsync());
        await using var same = await RawSmtpClient.ConnectAsync(server.MxPort, "PROXY TCP4 203.0.113.1 198.51.100.1 2 25\r\n"u8.ToArray());
        Assert.StartsWith("421 4.7.0", await same.ReadReplyAsync());
    }

    [Fact]
    public async Task The_header_comes_before_tls_on_the_implicit_tls_listener()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.SubmissionsPort, "PROXY TCP6 2001:db8::5 2001:db8::1 1000 465\r\n"u8.ToArray());
        await client.UpgradeToTlsAsync();
        Assert.StartsWith("220", await client.ReadReplyAsync());
        await client.SendLineAsync("EHLO balanced.example");
        Assert.Contains("AUTH PLAIN LOGIN", await client.ReadReplyAsync());
        await client.SendLineAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice@example.test\0" + TestAccounts.Password)));
        Assert.StartsWith("235", await client.ReadReplyAsync());
        foreach (var line in new[] { "MAIL FROM:<alice@example.test>", "RCPT TO:<x@elsewhere.example>", "DATA" })
        {
            await client.SendLineAsync(line);
            Assert.Matches("^(250|354)", await client.ReadReplyAsync());
        }

        await client.SendLineAsync("hi\r\n.");
        Assert.StartsWith("250 2.0.0", await client.ReadReplyAsync());
        var (envelope, content) = server.Intake.Committed.Single();
        Assert.Equal("2001:db8::5", envelope.ClientAddress);
        Assert.Contains("([IPv6:2001:db8::5])", Encoding.UTF8.GetString(content));
        Assert.Contains("with ESMTPSA", Encoding.UTF8.GetString(content));
    }

    [Fact]
    public async Task A_listener_without_proxy_enabled_takes_plain_smtp()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.SubmissionPort);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        await client.SendLineAsync("PROXY TCP4 203.0.113.9 198.51.100.1 40000 587");
        Assert.StartsWith("500 5.5.1", await client.ReadReplyAsync());
    }
}
