using MimeKit;

namespace Facteur.Relay.Tests;

/// <summary>Temporary failures on the standalone transport: spool-backed retries, expiry and delay warnings.</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly SmtpSink sink = new();

    public Task InitializeAsync()
    {
        dns.Mx("gmail.test", 10, "mx.gmail.test").A("mx.gmail.test", "127.0.0.1")
            .Mx("down.test", 10, "mx.down.test").A("mx.down.test", "127.0.0.9");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await sink.DisposeAsync();
        await dns.DisposeAsync();
    }

    [Fact]
    public async Task Unreachable_destination_bounces_with_a_dsn_when_the_lifetime_expires()
    {
        await using var host = await RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?>
        {
            ["Relay:MaxLifetime"] = "00:00:02",
            ["Relay:DelayWarningAfter"] = "01:00:00",
        });

        await using var imap = await ImapMailbox.StartAsync(host.MailRoot, "awa@esp.sn");

        await host.SubmitAsync("Qexpire", "awa@esp.sn", ["user@down.test"]);

        var dsn = Assert.Single(await imap.InboxAsync("awa@esp.sn", 1, TimeSpan.FromSeconds(30)));
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var group = report.OfType<MessageDeliveryStatus>().Single().StatusGroups
            .Single(g => g.Contains("Final-Recipient"));
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("rfc822; user@down.test", group["Final-Recipient"]);
        Assert.StartsWith("5.4.", group["Status"] ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("127.0.0.9", group["Diagnostic-Code"] ?? string.Empty, StringComparison.Ordinal); // why: the MX never answered
        Assert.Contains("Message-ID: <Qexpire@esp.sn>", report.Single(p => p.ContentType.MimeType == "text/rfc822-headers").ToString(), StringComparison.Ordinal);
        Assert.Empty(host.RelaySpoolEntries());
        Assert.Single(host.Inbox("awa@esp.sn"));
    }

    [Fact]
    public async Task A_delay_warning_goes_out_once_and_the_message_is_still_delivered()
    {
        await using var host = await RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?>
        {
            ["Relay:DelayWarningAfter"] = "00:00:00",
        });
        await using var imap = await ImapMailbox.StartAsync(host.MailRoot, "awa@esp.sn");
        sink.Script("slow@gmail.test", "451 4.3.0 Try again", "451 4.3.0 Try again");

        await host.SubmitAsync("Qdelay", "awa@esp.sn", ["slow@gmail.test"]);

        await sink.WaitForAsync(t => t.Recipients.Contains("slow@gmail.test"));
        var dsn = Assert.Single(await imap.InboxAsync("awa@esp.sn", 1));
        Assert.Equal("delivery-status", Assert.IsType<MultipartReport>(dsn.Body).ReportType);
        var group = Assert.IsType<MultipartReport>(dsn.Body).OfType<MessageDeliveryStatus>().Single().StatusGroups
            .Single(g => g.Contains("Final-Recipient"));
        Assert.Equal("delayed", group["Action"]);
        Assert.Equal("4.3.0", group["Status"]);
        Assert.NotNull(group["Will-Retry-Until"]);
        Assert.Equal(3, sink.RcptAttempts.Count(r => r == "slow@gmail.test"));
    }

    [Fact]
    public async Task Deferred_mail_survives_a_restart_of_the_standalone_worker()
    {
        var root = RelayHost.NewRoot();
        sink.Script("later@gmail.test", "450 4.2.0 Busy");
        var first = await RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?> { ["Relay:RetrySchedule:0"] = "00:00:03" }, root: root);
        await first.SubmitAsync("Qrestart", "awa@esp.sn", ["later@gmail.test"]);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var relayFolder = Path.Combine(first.SpoolRoot, "relay");
        while (!Directory.Exists(relayFolder) || Directory.GetFiles(relayFolder, "*.next").Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no retry was scheduled");
            await Task.Delay(25);
        }

        await first.StopAsync();
        Assert.Empty(sink.Transactions);

        await using var second = await RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?> { ["Relay:RetrySchedule:0"] = "00:00:03" }, root: root);
        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("later@gmail.test"), TimeSpan.FromSeconds(20));
        Assert.Equal("awa@esp.sn", transaction.MailFrom);
        while (second.RelaySpoolEntries().Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline.AddSeconds(20), "the spool entry stayed after delivery");
            await Task.Delay(25);
        }

        Assert.Single(sink.Transactions);
    }
}
