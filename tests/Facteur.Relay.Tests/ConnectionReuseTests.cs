using System.Globalization;
using Facteur.Delivery.Relay;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Relay.Tests;

/// <summary>
/// Connection reuse: consecutive transactions to one server share connections (RSET between),
/// within Relay:MaxConnectionsPerDestination, Relay:MaxMessagesPerConnection and
/// Relay:ConnectionIdleTimeout; a server dropping the connection mid-transaction costs a retry
/// of that message only.
/// </summary>
public sealed class ConnectionReuseTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly SmtpSink sink = new();

    public Task InitializeAsync()
    {
        dns.Mx("gmail.test", 10, "mx.gmail.test").A("mx.gmail.test", "127.0.0.1");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await sink.DisposeAsync();
        await dns.DisposeAsync();
    }

    private Task<RelayHost> StartAsync(params (string Key, string Value)[] settings)
    {
        var config = new Dictionary<string, string?> { ["Relay:MtaSts"] = "false" };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        return RelayHost.StartAsync(dns, sink.Port, config);
    }

    [Fact]
    public async Task Many_messages_to_one_server_share_a_few_connections_within_the_destination_limit()
    {
        const int count = 30;
        await using var host = await StartAsync(("Relay:MaxConnectionsPerDestination", "3"), ("Relay:ConcurrentMessageLimit", "8"));

        for (var i = 0; i < count; i++)
        {
            await host.SubmitAsync("R" + i.ToString(CultureInfo.InvariantCulture), "awa@esp.sn", [$"user{i}@gmail.test"]);
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (sink.Transactions.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{sink.Transactions.Count} of {count} delivered");
            await Task.Delay(25);
        }

        Assert.InRange(sink.Connections, 1, 3);
        Assert.Equal(sink.Connections, host.Services.GetRequiredService<RelayConnectionPool>().Opened);
        Assert.True(sink.Resets >= count - sink.Connections, $"{sink.Resets} RSET for {count} transactions on {sink.Connections} connections");
        Assert.Equal(count, sink.Transactions.Select(t => t.Recipients.Single()).Distinct().Count());
    }

    [Fact]
    public async Task A_connection_carries_at_most_the_configured_number_of_messages()
    {
        await using var host = await StartAsync(("Relay:MaxMessagesPerConnection", "3"), ("Relay:MaxConnectionsPerDestination", "1"), ("Relay:ConcurrentMessageLimit", "1"));

        for (var i = 0; i < 7; i++)
        {
            await host.SubmitAsync("M" + i.ToString(CultureInfo.InvariantCulture), "awa@esp.sn", [$"m{i}@gmail.test"]);
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (sink.Transactions.Count < 7)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{sink.Transactions.Count} of 7 delivered");
            await Task.Delay(25);
        }

        Assert.Equal(3, sink.Connections); // 3 + 3 + 1
        Assert.Equal([3, 3, 1], sink.Transactions.GroupBy(t => t.Connection).OrderBy(g => g.Key).Select(g => g.Count()));
    }

    [Fact]
    public async Task An_idle_connection_is_closed_with_quit_after_the_idle_timeout()
    {
        await using var host = await StartAsync(("Relay:ConnectionIdleTimeout", "00:00:00.300"));

        await host.SubmitAsync("I1", "awa@esp.sn", ["first@gmail.test"]);
        await sink.WaitForAsync(t => t.Recipients.Contains("first@gmail.test"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (sink.Quits < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the idle connection was never closed");
            await Task.Delay(25);
        }

        await host.SubmitAsync("I2", "awa@esp.sn", ["second@gmail.test"]);
        await sink.WaitForAsync(t => t.Recipients.Contains("second@gmail.test"));
        Assert.Equal(2, sink.Connections);
        Assert.Equal(0, sink.Resets); // the second transaction had a fresh connection, nothing to reset
    }

    [Fact]
    public async Task A_server_dropping_the_connection_mid_transaction_only_retries_that_message()
    {
        const int count = 10;
        sink.Script("drop@gmail.test", "CLOSE"); // the first RCPT for it: the connection dies, no reply
        await using var host = await StartAsync(("Relay:MaxConnectionsPerDestination", "1"), ("Relay:ConcurrentMessageLimit", "1"));

        for (var i = 0; i < count; i++)
        {
            var recipient = i == 4 ? "drop@gmail.test" : $"keep{i}@gmail.test";
            await host.SubmitAsync("D" + i.ToString(CultureInfo.InvariantCulture), "awa@esp.sn", [recipient]);
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (sink.Transactions.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{sink.Transactions.Count} of {count} delivered");
            await Task.Delay(25);
        }

        Assert.Equal(2, sink.RcptAttempts.Count(r => r == "drop@gmail.test")); // dropped once, retried once
        Assert.All(sink.RcptAttempts.Where(r => r != "drop@gmail.test").GroupBy(r => r), g => Assert.Single(g));
        Assert.Equal(count, sink.Transactions.Count);
        Assert.InRange(sink.Connections, 2, 3); // the one that broke, and the one(s) after it
        Assert.Empty(host.Inbox("awa@esp.sn")); // no DSN: nothing failed for good
    }
}
