using Facteur.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Facteur.IntegrationTests;

/// <summary>
/// Issue 2 over a real rabbitmq-server: the gateway and the delivery workers as separate
/// processes, as the containers run them. Each test has a broker of its own so it can take it
/// away without touching other tests.
/// </summary>
[Collection(nameof(RabbitMqCollection))]
public sealed class ServicesOverRabbitMqTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_thousand_messages_from_20_clients_through_two_workers_are_delivered_exactly_once_even_when_a_worker_is_killed()
    {
        await using var broker = new PrivateRabbitMq();
        await broker.StartAsync();
        using var site = new TestSite().WithUser("alice@esp.sn").WithUser("bob@esp.sn").WithUser("carol@example.test")
            .WithAlias("team@esp.sn", "alice@esp.sn", "carol@example.test");
        await using var topology = new ServiceTopology(site, broker.Url, workers: 2);
        await topology.StartAsync();

        const int count = 1000;
        var sender = new LoadSender(site.SmtpPort, "load", ["alice@esp.sn", "bob@esp.sn", "carol@example.test"]);
        var killed = 0;
        var send = sender.SendAsync(count, clients: 20, TimeSpan.FromMinutes(5), accepted =>
        {
            if (accepted == 300 && Interlocked.Exchange(ref killed, 1) == 0)
            {
                topology.Workers[0].Kill();
            }
        });
        await send;
        Assert.Equal(1, killed);
        Assert.Empty(sender.Refused);
        Assert.Equal(count, sender.Accepted.Count);
        await topology.RestartWorkerAsync(0);

        var counts = await CrashSafetyTests.WaitForAll(site, "load", count, TimeSpan.FromMinutes(3), "alice@esp.sn", "bob@esp.sn", "carol@example.test");
        output.WriteLine($"accepted {sender.Accepted.Count}, delivered {counts.Count}, duplicates {counts.Count(c => c.Value > 1)}");
        Assert.Equal(count, counts.Count);
        Assert.All(counts, c => Assert.True(c.Value == 1, $"{c.Key} delivered {c.Value} times"));
    }

    [Fact]
    public async Task Broker_down_gives_451_and_after_it_returns_nothing_accepted_is_missing()
    {
        await using var broker = new PrivateRabbitMq();
        await broker.StartAsync();
        using var site = new TestSite().WithUser("alice@esp.sn");
        await using var topology = new ServiceTopology(site, broker.Url, workers: 1);
        await topology.StartAsync();

        var first = new LoadSender(site.SmtpPort, "before", ["alice@esp.sn"]);
        await first.SendAsync(50, clients: 5, TimeSpan.FromMinutes(2));
        Assert.Equal(50, first.Accepted.Count);

        await broker.StopAppAsync();
        var refusal = await Assert.ThrowsAsync<MailKit.Net.Smtp.SmtpCommandException>(() =>
            SmtpClients.SendAsync(site.SmtpPort, SmtpClients.Message("a@remote.example", "alice@esp.sn", "during-0", "broker down")));
        output.WriteLine($"while the broker is down: {(int)refusal.StatusCode} {refusal.Message}");
        Assert.Equal(451, (int)refusal.StatusCode);
        Assert.False(topology.Gateway.HasExited, topology.Gateway.Log);

        await broker.StartAppAsync();
        // The client retries, as a sending MTA does, until the gateway has its broker back.
        var after = new LoadSender(site.SmtpPort, "after", ["alice@esp.sn"]);
        await after.SendAsync(50, clients: 5, TimeSpan.FromMinutes(3));
        Assert.Equal(50, after.Accepted.Count);

        var before = await CrashSafetyTests.WaitForAll(site, "before", 50, TimeSpan.FromMinutes(2), "alice@esp.sn");
        var later = await CrashSafetyTests.WaitForAll(site, "after", 50, TimeSpan.FromMinutes(2), "alice@esp.sn");
        Assert.Equal(50, before.Count);
        Assert.Equal(50, later.Count);
        Assert.All(before.Concat(later), c => Assert.Equal(1, c.Value));
        Assert.DoesNotContain(site.Maildir("alice@esp.sn").Files(), f => MessageTokens.SubjectOf(f) == "during-0");
    }
}

[CollectionDefinition(nameof(RabbitMqCollection))]
public sealed class RabbitMqCollection;
