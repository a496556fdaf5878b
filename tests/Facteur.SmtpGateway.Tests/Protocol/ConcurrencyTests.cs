using Facteur.SmtpGateway.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Facteur.SmtpGateway.Tests.Protocol;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Twenty_concurrent_clients_each_sending_ten_messages_all_get_them_queued_once()
    {
        const int Clients = 20;
        const int PerClient = 10;
        await using var server = await SmtpTestServer.StartAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var senders = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var client = new SmtpClient { Timeout = 30_000 };
            await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None, deadline.Token);
            for (var m = 0; m < PerClient; m++)
            {
                await client.SendAsync(Messages.Simple("load@remote.example", "alice@example.test", $"load {c}/{m}"), deadline.Token);
            }

            await client.DisconnectAsync(true, deadline.Token);
        }, deadline.Token));
        await Task.WhenAll(senders);

        var committed = server.Intake.Committed.ToArray();
        Assert.Equal(Clients * PerClient, committed.Length);
        Assert.Equal(Clients * PerClient, committed.Select(c => c.Envelope.QueueId).Distinct().Count());
        var subjects = committed.Select(c => System.Text.Encoding.UTF8.GetString(c.Content))
            .Select(text => text[(text.IndexOf("Subject: load ", StringComparison.Ordinal) + 14)..].Split("\r\n")[0]);
        Assert.Equal(Clients * PerClient, subjects.Distinct().Count());
    }
}
