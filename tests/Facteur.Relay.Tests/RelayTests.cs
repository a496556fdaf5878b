using System.Text;
using MimeKit;

namespace Facteur.Relay.Tests;

/// <summary>The relay on the standalone (in-memory) bus against a local DNS responder and SMTP sink.</summary>
public sealed class RelayTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly SmtpSink sink = new();
    private RelayHost host = null!;
    private ImapMailbox imap = null!;

    public async Task InitializeAsync()
    {
        dns.Mx("gmail.test", 10, "mx.gmail.test").A("mx.gmail.test", "127.0.0.1");
        host = await RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?> { ["Relay:MaxLifetime"] = "00:00:20" });
        imap = await ImapMailbox.StartAsync(host.MailRoot, "awa@esp.sn");
    }

    public async Task DisposeAsync()
    {
        await imap.DisposeAsync();
        await host.DisposeAsync();
        await sink.DisposeAsync();
        await dns.DisposeAsync();
    }

    [Fact]
    public async Task Recipients_of_one_domain_go_to_its_mx_in_one_transaction_with_our_hostname_as_helo()
    {
        await host.SubmitAsync("Q1one", "awa@esp.sn", ["ami@gmail.test", "autre@gmail.test"]);

        var transaction = await sink.WaitForAsync(t => Encoding.ASCII.GetString(t.Data).Contains("Q1one", StringComparison.Ordinal));
        Assert.Equal("mx.esp.sn", transaction.Helo);
        Assert.Equal("awa@esp.sn", transaction.MailFrom);
        Assert.Equal(["ami@gmail.test", "autre@gmail.test"], transaction.Recipients.Order(StringComparer.Ordinal));
        Assert.Single(sink.Transactions);
        Assert.Contains("gmail.test 15", dns.Queries); // the MX query went to the configured DNS server
        await WaitForSpoolEmptyAsync();
    }

    [Fact]
    public async Task Permanent_refusal_sends_a_dsn_with_the_original_headers_readable_over_imap()
    {
        sink.Script("nobody@gmail.test", "550 5.1.1 No such user here");

        await host.SubmitAsync("Q2bounce", "awa@esp.sn", ["nobody@gmail.test"], subject: "Bounce me", body: "The body stays home.\r\n");

        var dsn = Assert.Single(await imap.InboxAsync("awa@esp.sn", 1));
        Assert.Equal("<>", dsn.Headers[HeaderId.ReturnPath]);
        Assert.Contains("awa@esp.sn", dsn.To.ToString(), StringComparison.Ordinal);
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal("delivery-status", dsn.Body.ContentType.Parameters["report-type"]);
        Assert.IsType<TextPart>(report[0]); // the human-readable explanation comes first (RFC 3464 §2.1)
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        var recipient = status.StatusGroups[1];
        Assert.Equal("rfc822; nobody@gmail.test", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Contains("550 5.1.1 No such user here", recipient["Diagnostic-Code"] ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("dns; mx.esp.sn", status.StatusGroups[0]["Reporting-MTA"]);

        // RET not given: the original headers only (text/rfc822-headers), not the body.
        var headers = report.Single(p => p.ContentType.MimeType == "text/rfc822-headers");
        var original = headers.ToString();
        Assert.Contains("Subject: Bounce me", original, StringComparison.Ordinal);
        Assert.Contains("Message-ID: <Q2bounce@esp.sn>", original, StringComparison.Ordinal);
        Assert.DoesNotContain("The body stays home.", original, StringComparison.Ordinal);
        Assert.DoesNotContain(report, p => p.ContentType.MimeType == "message/rfc822");
        Assert.Empty(sink.Transactions);
        await WaitForSpoolEmptyAsync();
    }

    [Fact]
    public async Task Ret_full_returns_the_whole_message_in_the_dsn_read_over_imap()
    {
        sink.Script("nobody@gmail.test", "550 5.1.1 No such user here");
        await host.SubmitAsync(new Contracts.MailReceived
        {
            QueueId = "Q2full",
            ReversePath = "awa@esp.sn",
            Recipients = ["nobody@gmail.test"],
            ReceivedAt = DateTimeOffset.UtcNow,
            Size = 0,
            Content = RelayHost.Message("Q2full", "awa@esp.sn", ["nobody@gmail.test"], subject: "Give it back", body: "Every line of the body comes back.\r\n"),
            AuthenticatedUser = "awa@esp.sn",
            DsnReturn = "FULL",
            EnvelopeId = "ENV-full-1",
        });

        var dsn = Assert.Single(await imap.InboxAsync("awa@esp.sn", 1));
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        Assert.Equal("ENV-full-1", status.StatusGroups[0]["Original-Envelope-Id"]);
        Assert.Equal("failed", status.StatusGroups[1]["Action"]);
        var returned = Assert.IsType<MessagePart>(Assert.Single(report, p => p.ContentType.MimeType == "message/rfc822")).Message!;
        Assert.Equal("Give it back", returned.Subject);
        Assert.Contains("Every line of the body comes back.", returned.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(report, p => p.ContentType.MimeType == "text/rfc822-headers");
    }

    [Fact]
    public async Task Mixed_replies_deliver_defer_and_bounce_each_recipient_on_its_own()
    {
        sink.Script("later@gmail.test", "450 4.2.0 Mailbox busy, try later");
        sink.Script("gone@gmail.test", "550 5.1.1 Gone");

        await host.SubmitAsync("Q3mixed", "awa@esp.sn", ["ok@gmail.test", "later@gmail.test", "gone@gmail.test"]);

        var first = await sink.WaitForAsync(t => t.Recipients.Contains("ok@gmail.test"));
        Assert.Equal(["ok@gmail.test"], first.Recipients);
        var retried = await sink.WaitForAsync(t => t.Recipients.Contains("later@gmail.test"));
        Assert.Equal(["later@gmail.test"], retried.Recipients);
        Assert.Equal(2, sink.RcptAttempts.Count(r => r == "later@gmail.test"));
        Assert.Equal(1, sink.RcptAttempts.Count(r => r == "gone@gmail.test"));
        Assert.Equal(1, sink.RcptAttempts.Count(r => r == "ok@gmail.test"));

        var dsn = await MimeMessage.LoadAsync((await host.WaitForInboxAsync("awa@esp.sn", 1))[0]);
        var groups = Assert.IsType<MultipartReport>(dsn.Body).OfType<MessageDeliveryStatus>().Single().StatusGroups;
        var failed = Assert.Single(groups, g => g.Contains("Final-Recipient"));
        Assert.Equal("rfc822; gone@gmail.test", failed["Final-Recipient"]);
        await WaitForSpoolEmptyAsync();
    }

    [Fact]
    public async Task Null_mx_bounces_at_once_without_a_connection()
    {
        dns.Mx("nomail.test", 0, ".");

        await host.SubmitAsync("Q4nullmx", "awa@esp.sn", ["someone@nomail.test"]);

        var dsn = Assert.Single(await imap.InboxAsync("awa@esp.sn", 1, TimeSpan.FromSeconds(15)));
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var group = report.OfType<MessageDeliveryStatus>().Single().StatusGroups[1];
        Assert.Equal("rfc822; someone@nomail.test", group["Final-Recipient"]);
        Assert.Equal("failed", group["Action"]);
        Assert.StartsWith("5.", group["Status"] ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("null MX", group["Diagnostic-Code"] ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("Message-ID: <Q4nullmx@esp.sn>", report.Single(p => p.ContentType.MimeType == "text/rfc822-headers").ToString(), StringComparison.Ordinal);
        Assert.Empty(sink.RcptAttempts);
    }

    [Fact]
    public async Task Lower_preference_mx_is_used_when_the_preferred_one_is_unreachable()
    {
        // 127.0.0.9 has nothing listening on the sink's port: connection refused, next MX.
        dns.Mx("backup.test", 5, "mx1.backup.test").A("mx1.backup.test", "127.0.0.9")
            .Mx("backup.test", 20, "mx2.backup.test").A("mx2.backup.test", "127.0.0.1");

        await host.SubmitAsync("Q5backup", "awa@esp.sn", ["user@backup.test"]);

        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("user@backup.test"));
        Assert.Equal("awa@esp.sn", transaction.MailFrom);
    }

    [Fact]
    public async Task Domain_without_mx_falls_back_to_its_address_record()
    {
        dns.A("plain.test", "127.0.0.1");

        await host.SubmitAsync("Q6plain", "awa@esp.sn", ["user@plain.test"]);

        await sink.WaitForAsync(t => t.Recipients.Contains("user@plain.test"));
    }

    [Fact]
    public async Task Nonexistent_domain_bounces()
    {
        await host.SubmitAsync("Q7nx", "awa@esp.sn", ["user@does-not-exist.test"]);

        var dsn = await MimeMessage.LoadAsync((await host.WaitForInboxAsync("awa@esp.sn", 1, TimeSpan.FromSeconds(10)))[0]);
        var group = Assert.IsType<MultipartReport>(dsn.Body).OfType<MessageDeliveryStatus>().Single().StatusGroups[1];
        Assert.Contains("NXDOMAIN", group["Diagnostic-Code"] ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusal_at_end_of_data_bounces_every_recipient()
    {
        sink.DataReply = "554 5.6.0 Message rejected";

        await host.SubmitAsync("Q8data", "awa@esp.sn", ["a@gmail.test", "b@gmail.test"]);

        var file = (await host.WaitForInboxAsync("awa@esp.sn", 1))[0];
        var dsn = await MimeMessage.LoadAsync(file);
        var groups = Assert.IsType<MultipartReport>(dsn.Body).OfType<MessageDeliveryStatus>().Single().StatusGroups;
        Assert.Equal(["rfc822; a@gmail.test", "rfc822; b@gmail.test"], groups.Where(g => g.Contains("Final-Recipient")).Select(g => g["Final-Recipient"]).Order(StringComparer.Ordinal));
        Assert.All(groups.Where(g => g.Contains("Final-Recipient")), g => Assert.Equal("5.6.0", g["Status"]));
    }

    [Fact]
    public async Task Null_sender_never_gets_a_dsn()
    {
        sink.Script("nobody@gmail.test", "550 5.1.1 No such user");
        await host.SubmitAsync(new Contracts.MailReceived
        {
            QueueId = "Q9null",
            ReversePath = string.Empty,
            Recipients = ["nobody@gmail.test", "ok@gmail.test"],
            ReceivedAt = DateTimeOffset.UtcNow,
            Size = 0,
            Content = RelayHost.Message("Q9null", "mailer-daemon@esp.sn", ["nobody@gmail.test"]),
            AuthenticatedUser = "awa@esp.sn",
        });

        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("ok@gmail.test"));
        Assert.Equal(string.Empty, transaction.MailFrom);
        await WaitForSpoolEmptyAsync();
        await Task.Delay(500); // a DSN, if one were wrongly made, would be in a Maildir by now
        Assert.Empty(host.Inbox("awa@esp.sn"));
        Assert.Empty(host.Inbox("mailer-daemon@esp.sn"));
        Assert.Empty(await imap.FetchInboxAsync("awa@esp.sn"));
    }

    [Fact]
    public async Task Notify_never_suppresses_the_failure_dsn_and_notify_and_envid_reach_the_next_hop()
    {
        sink.Script("nobody@gmail.test", "550 5.1.1 No such user");
        await host.SubmitAsync(new Contracts.MailReceived
        {
            QueueId = "Q10notify",
            ReversePath = "awa@esp.sn",
            Recipients = ["nobody@gmail.test", "ok@gmail.test"],
            ReceivedAt = DateTimeOffset.UtcNow,
            Size = 0,
            Content = RelayHost.Message("Q10notify", "awa@esp.sn", ["nobody@gmail.test"]),
            AuthenticatedUser = "awa@esp.sn",
            EnvelopeId = "ENV42",
            DsnNotify = new Dictionary<string, string> { ["nobody@gmail.test"] = "NEVER", ["ok@gmail.test"] = "SUCCESS,FAILURE" },
        });

        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("ok@gmail.test"));
        Assert.Contains(transaction.RcptLines, l => l.Contains("NOTIFY=SUCCESS,FAILURE", StringComparison.OrdinalIgnoreCase));
        await WaitForSpoolEmptyAsync();
        Assert.Empty(host.Inbox("awa@esp.sn"));
    }

    private async Task WaitForSpoolEmptyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (host.RelaySpoolEntries().Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the relay spool kept an entry");
            await Task.Delay(25);
        }
    }
}
