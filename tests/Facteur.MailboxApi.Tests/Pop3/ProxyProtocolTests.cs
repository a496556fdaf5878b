using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>Listeners behind a balancer: the PROXY header's client address is the one rate limits see.</summary>
public sealed class ProxyProtocolTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Pop3:ProxyProtocol"] = "true",
        ["Pop3:MaxFailedLoginsPerIp"] = "2",
        ["Pop3:ProxyProtocolTimeout"] = "00:00:01",
    };

    private static async Task<RawPop3Client> ConnectAsAsync(Pop3TestServer server, string clientAddress)
    {
        var client = await RawPop3Client.ConnectAfterAsync(server.Port, Encoding.ASCII.GetBytes($"PROXY TCP4 {clientAddress} 127.0.0.1 40000 110\r\n"));
        Assert.StartsWith("+OK", client.Greeting);
        return client;
    }

    [Fact]
    public async Task Failed_logins_are_counted_against_the_address_in_the_proxy_header()
    {
        await using var server = await Pop3TestServer.StartAsync(Settings);
        await using (var attacker = await ConnectAsAsync(server, "203.0.113.66"))
        {
            for (var i = 0; i < 2; i++)
            {
                await attacker.CommandAsync("USER " + Pop3TestServer.User);
                Assert.StartsWith("-ERR [AUTH]", await attacker.CommandAsync("PASS wrong"));
            }
        }

        await using (var again = await ConnectAsAsync(server, "203.0.113.66"))
        {
            await again.CommandAsync("USER " + Pop3TestServer.User);
            Assert.StartsWith("-ERR [SYS/TEMP]", await again.CommandAsync("PASS " + Pop3TestServer.Password));
        }

        // Same balancer socket address (127.0.0.1), another real client: not blocked.
        await using var other = await ConnectAsAsync(server, "198.51.100.9");
        await other.CommandAsync("USER " + Pop3TestServer.User);
        Assert.StartsWith("+OK", await other.CommandAsync("PASS " + Pop3TestServer.Password));
    }

    [Fact]
    public async Task Connection_without_a_proxy_header_is_closed()
    {
        await using var server = await Pop3TestServer.StartAsync(Settings);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("USER alice\r\n"u8.ToArray());
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await stream.ReadAsync(buffer, timeout.Token)); // closed without a greeting
    }

    [Fact]
    public async Task Proxy_header_before_the_tls_handshake_on_the_pop3s_port()
    {
        await using var server = await Pop3TestServer.StartAsync(Settings);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.TlsPort);
        await tcp.GetStream().WriteAsync("PROXY TCP4 198.51.100.9 127.0.0.1 40000 995\r\n"u8.ToArray());
        using var client = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync(tcp.Client, "localhost", server.TlsPort, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
        Assert.True(client.IsSecure);
        await client.DisconnectAsync(true);
    }
}
