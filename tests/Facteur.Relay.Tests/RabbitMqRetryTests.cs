using Facteur.Contracts;
using Facteur.Hosting.Bus;
using Facteur.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Facteur.Relay.Tests;

/// <summary>
/// Retries through a private stock RabbitMQ (no delayed-message plugin): the deferred command
/// waits in a durable TTL queue and dead-letters back into <c>relay</c>, across a restart of the
/// worker and of the broker.
/// </summary>
public sealed class RabbitMqRetryTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly SmtpSink sink = new();
    private readonly PrivateRabbitMq broker = new();

    public async Task InitializeAsync()
    {
        dns.Mx("gmail.test", 10, "mx.gmail.test").A("mx.gmail.test", "127.0.0.1");
        await broker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await broker.DisposeAsync();
        await sink.DisposeAsync();
        await dns.DisposeAsync();
    }

    [Fact]
    public async Task Mail_deferred_with_4xx_is_delivered_after_a_retry_across_a_restart_of_the_worker_and_the_broker()
    {
        var root = RelayHost.NewRoot();
        var settings = new Dictionary<string, string?>
        {
            // Long enough that the message is still waiting when rabbitmqctl and the CLI (two
            // process starts, slow on a loaded machine) look at it.
            ["Relay:RetrySchedule:0"] = "00:00:20",
            ["Relay:DelayWarningAfter"] = "01:00:00",
        };
        sink.Script("later@gmail.test", "451 4.3.0 Greylisted, come back later");
        sink.Script("gone@gmail.test", "550 5.1.1 No such user");

        var first = await RelayHost.StartAsync(dns, sink.Port, settings, root: root, rabbitUrl: broker.Url);
        await first.SubmitAsync("Qrabbit", "awa@esp.sn", ["now@gmail.test", "later@gmail.test", "gone@gmail.test"]);
        await sink.WaitForAsync(t => t.Recipients.Contains("now@gmail.test"));
        await first.WaitForInboxAsync("awa@esp.sn", 1); // the DSN for gone@ was delivered locally

        // The retry is in relay-retry-1 now: take the worker away, then the broker.
        var queues = await broker.ListQueuesAsync();
        Assert.Contains("relay-retry-1", queues, StringComparison.Ordinal);
        var cliConfig = new Dictionary<string, object>
        {
            ["ConnectionStrings"] = new Dictionary<string, object> { ["RabbitMq"] = broker.Url },
            ["Relay"] = new Dictionary<string, object> { ["RetrySchedule"] = new[] { "00:00:20" } },
        };
        var listing = Cli.Run(root, cliConfig, "queue", "list");
        Assert.True(listing.Exit == 0, listing.Error);
        Assert.Contains("Qrabbit  awa@esp.sn -> later@gmail.test  attempts=1  relay-retry-1", listing.Out, StringComparison.Ordinal);
        Assert.Contains("1 message(s) waiting", listing.Out, StringComparison.Ordinal);
        await first.StopAsync();
        await broker.StopAppAsync();
        await broker.StartAppAsync();

        await using var second = await RelayHost.StartAsync(dns, sink.Port, settings, root: root, rabbitUrl: broker.Url);
        var retried = await sink.WaitForAsync(t => t.Recipients.Contains("later@gmail.test"), TimeSpan.FromSeconds(60));
        Assert.Equal(["later@gmail.test"], retried.Recipients);
        Assert.Equal(2, sink.RcptAttempts.Count(r => r == "later@gmail.test"));
        Assert.Equal(1, sink.RcptAttempts.Count(r => r == "gone@gmail.test"));
        Assert.Equal(1, sink.RcptAttempts.Count(r => r == "now@gmail.test"));

        var dsn = await MimeMessage.LoadAsync(Assert.Single(second.Inbox("awa@esp.sn")));
        var failed = Assert.Single(Assert.IsType<MultipartReport>(dsn.Body).OfType<MessageDeliveryStatus>().Single().StatusGroups, g => g.Contains("Final-Recipient"));
        Assert.Equal("rfc822; gone@gmail.test", failed["Final-Recipient"]);
    }

    [Fact]
    public async Task Deferred_mail_whose_delay_ends_while_the_broker_process_is_stopped_is_delivered_after_both_come_back()
    {
        var root = RelayHost.NewRoot();
        var settings = new Dictionary<string, string?>
        {
            ["Relay:RetrySchedule:0"] = "00:00:12",
            ["Relay:DelayWarningAfter"] = "01:00:00",
        };
        sink.Script("greylisted@gmail.test", "450 4.2.0 Greylisted");

        var first = await RelayHost.StartAsync(dns, sink.Port, settings, root: root, rabbitUrl: broker.Url);
        await first.SubmitAsync("Qnode", "awa@esp.sn", ["greylisted@gmail.test"]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!sink.RcptAttempts.Contains("greylisted@gmail.test"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the first attempt never happened");
            await Task.Delay(25);
        }

        var firstAttempt = DateTime.UtcNow;
        while (!(await broker.ListQueuesAsync()).Split('\n').Select(l => l.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length >= 2 && f[0] == "relay-retry-1" && f[^1] == "1"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the deferred message never reached relay-retry-1");
            await Task.Delay(100);
        }

        // Worker gone, broker node stopped for longer than the retry delay: the TTL runs out while
        // nothing is running, and the message must still come back from the broker's disk.
        await first.StopAsync();
        await broker.StopNodeAsync();
        var expiry = firstAttempt.AddSeconds(14) - DateTime.UtcNow;
        if (expiry > TimeSpan.Zero)
        {
            await Task.Delay(expiry);
        }

        await broker.StartAsync();

        await using var second = await RelayHost.StartAsync(dns, sink.Port, settings, root: root, rabbitUrl: broker.Url);
        var delivered = await sink.WaitForAsync(t => t.Recipients.Contains("greylisted@gmail.test"), TimeSpan.FromSeconds(90));
        Assert.Equal("awa@esp.sn", delivered.MailFrom);
        Assert.Equal(2, sink.RcptAttempts.Count(r => r == "greylisted@gmail.test"));
        Assert.Single(sink.Transactions, t => t.Recipients.Contains("greylisted@gmail.test"));
        Assert.Empty(second.Inbox("awa@esp.sn")); // delivered: no DSN
    }

    [Fact]
    public async Task A_claim_waiting_for_a_relay_retry_counts_its_retention_from_the_last_attempt()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Relay:RetrySchedule:0"] = "00:00:04",
            ["Relay:DelayWarningAfter"] = "01:00:00",
        };
        sink.Script("later@gmail.test", "451 4.3.0 Greylisted", "451 4.3.0 Greylisted");
        await using var host = await RelayHost.StartAsync(dns, sink.Port, settings, rabbitUrl: broker.Url);
        var claims = host.Services.GetRequiredService<ClaimCheckRepository>();
        var spool = host.Services.GetRequiredService<MailSpool>();
        var content = RelayHost.Message("Qlarge", "awa@esp.sn", ["later@gmail.test"],
            body: string.Concat(Enumerable.Repeat("A line of a large message, sent by claim check.\r\n", 3000)));
        await host.SubmitAsync(new MailReceived
        {
            QueueId = "Qlarge",
            ReversePath = "awa@esp.sn",
            Recipients = ["later@gmail.test"],
            ReceivedAt = DateTimeOffset.UtcNow,
            Size = content.Length,
            LargeContent = await claims.PutStream(new MemoryStream(content)),
            AuthenticatedUser = "awa@esp.sn",
        });

        // First attempt deferred: the relay's copy of the claim waits with the retry.
        await WaitAsync(() => sink.RcptAttempts.Count(r => r == "later@gmail.test") == 1, "the first attempt");
        await WaitAsync(() => Directory.GetFiles(spool.Claims).Length == 1, "the relay's claim alone");
        var claim = Directory.GetFiles(spool.Claims)[0];
        File.SetLastWriteTimeUtc(claim, DateTime.UtcNow.AddDays(-30));

        // The second attempt (deferred too) refreshes it: the sweep after it keeps the claim.
        await WaitAsync(() => sink.RcptAttempts.Count(r => r == "later@gmail.test") == 2, "the second attempt");
        await WaitAsync(() => File.GetLastWriteTimeUtc(claim) > DateTime.UtcNow.AddMinutes(-5), "the claim refreshed");
        var sweeper = host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ClaimSweeper>().Single();
        Assert.Equal(0, sweeper.Sweep());

        var delivered = await sink.WaitForAsync(t => t.Recipients.Contains("later@gmail.test"), TimeSpan.FromSeconds(60));
        var relayed = System.Text.Encoding.UTF8.GetString(delivered.Data);
        Assert.Equal(3000, relayed.Split("sent by claim check.").Length - 1); // the whole body, from the kept claim
        await WaitAsync(() => !File.Exists(claim), "the claim deleted after delivery");
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(25);
        }
    }
}
