using Facteur.MailboxApi.Tests.Infrastructure;

namespace Facteur.MailboxApi.Tests.Pop3;

public sealed class SmokeTests
{
    [Fact]
    public async Task Server_greets_on_both_listeners()
    {
        await using var server = await Pop3TestServer.StartAsync();
        Assert.NotEqual(0, server.Port);
        Assert.NotEqual(0, server.TlsPort);
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", client.Greeting);
    }
}
