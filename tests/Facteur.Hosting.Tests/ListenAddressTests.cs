using System.Net;
using System.Net.Sockets;

namespace Facteur.Hosting.Tests;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task The_management_listener_binds_the_configured_address(string listenAddress)
    {
        await using var host = await ManagementHost.StartAsync(settings: new Dictionary<string, string?> { ["Facteur:ListenAddress"] = listenAddress });

        using var response = await host.Client.GetAsync(FacteurDefaults.LivenessPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.1", host.Address.Host);
    }

    [Fact]
    public async Task Star_binds_every_address_so_the_ipv4_loopback_answers()
    {
        await using var host = await ManagementHost.StartAsync(settings: new Dictionary<string, string?> { ["Facteur:ListenAddress"] = "*" }, requireLoopbackUrl: false);
        var port = new Uri(host.App.Urls.First()).Port;

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);

        Assert.True(client.Connected);
    }
}
