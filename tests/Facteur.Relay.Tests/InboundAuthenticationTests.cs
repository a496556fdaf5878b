using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Facteur.Accounts;
using Facteur.Contracts;
using Facteur.Delivery.Tests;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.SmtpGateway;
using Facteur.SmtpGateway.Intake;
using MailKit;
using MailKit.Net.Smtp;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using MimeKit.Cryptography;

namespace Facteur.Relay.Tests;

/// <summary>
/// Port 25 of the real gateway (real intake on the standalone transport) with SPF, DKIM and
/// DMARC evaluated against the test's DNS: Authentication-Results on accepted mail, 550 5.7.1
/// for a p=reject failure when Smtp:DmarcRejectPolicy is on.
/// </summary>
public sealed class InboundAuthenticationTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly string root = RelayHost.NewRoot();
    private readonly string keyFolder;
    private WebApplication app = null!;
    private int port;

    public InboundAuthenticationTests() => keyFolder = Path.Combine(root, "dkim");

    public async Task InitializeAsync()
    {
        // good.test: SPF allows loopback, DKIM key published, DMARC p=reject.
        dns.Txt("good.test", "v=spf1 ip4:127.0.0.0/8 -all")
            .Txt("s1._domainkey.good.test", DkimTestKeys.WriteRsa(keyFolder, "good.test", "s1"))
            .Txt("_dmarc.good.test", "v=DMARC1; p=reject")
            // bank.test: SPF excludes us, no DKIM, p=reject (a spoof).
            .Txt("bank.test", "v=spf1 ip4:192.0.2.0/24 -all")
            .Txt("_dmarc.bank.test", "v=DMARC1; p=reject")
            // news.test: SPF fails, p=none (monitoring only): accepted, recorded as fail.
            .Txt("news.test", "v=spf1 -all")
            .Txt("_dmarc.news.test", "v=DMARC1; p=none");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ApplicationName = "Facteur.Relay.Tests" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Facteur:Transport"] = "InMemory",
            ["Facteur:Hostname"] = "mx.esp.sn",
            ["Facteur:Domains:0"] = "esp.sn",
            ["Facteur:ListenAddress"] = "127.0.0.1",
            ["Facteur:SpoolRoot"] = Path.Combine(root, "spool"),
            ["Facteur:MailRoot"] = Path.Combine(root, "mail"),
            ["Smtp:Port"] = "0",
            ["Smtp:SubmissionPort"] = "0",
            ["Smtp:SubmissionsPort"] = "0",
            ["Smtp:DnsServers:0"] = dns.Endpoint,
            ["Smtp:DmarcRejectPolicy"] = "true",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        builder.AddSmtpGateway();
        builder.Services.AddSingleton<IServerCertificate, Facteur.SmtpGateway.Tests.Infrastructure.TestCertificate>();
        builder.AddMailIntake();
        builder.Services.AddSingleton<IRecipientResolver>(new TableResolver("esp.sn").User("awa@esp.sn"));
        builder.Services.AddSingleton<ReceivedLog>();
        builder.ConfigureFacteurBus(x => x.AddConsumer<ReceivedRecorder>());
        builder.AddFacteurBus();
        app = builder.Build();
        await app.StartAsync();
        port = app.Services.GetRequiredService<SmtpListeners>().EndPoint(SmtpListenerKind.Mx).Port;
    }

    public async Task DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await dns.DisposeAsync();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Aligned_spf_and_dkim_pass_and_are_recorded_in_authentication_results()
    {
        var message = Message("news@good.test", "Signed");
        var signer = new DkimSigner(Path.Combine(keyFolder, "good.test.s1.key"), "good.test", "s1")
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, [HeaderId.From, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);

        await SendAsync(message, "news@good.test");

        var header = await AuthenticationResultsAsync("Signed");
        Assert.StartsWith("Authentication-Results: mx.esp.sn;", header, StringComparison.Ordinal);
        Assert.Contains("spf=pass smtp.mailfrom=news@good.test", header, StringComparison.Ordinal);
        Assert.Contains("dkim=pass header.d=good.test header.s=s1", header, StringComparison.Ordinal);
        Assert.Contains("dmarc=pass (p=reject) header.from=good.test", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tampered_dkim_signature_fails_but_aligned_spf_still_passes_dmarc()
    {
        var message = Message("news@good.test", "Tampered");
        var signer = new DkimSigner(Path.Combine(keyFolder, "good.test.s1.key"), "good.test", "s1");
        signer.Sign(message, [HeaderId.From, HeaderId.Subject]);
        message.Subject = "Tampered after signing";

        await SendAsync(message, "news@good.test");

        var header = await AuthenticationResultsAsync("Tampered after signing");
        Assert.Contains("dkim=fail header.d=good.test", header, StringComparison.Ordinal);
        Assert.Contains("spf=pass", header, StringComparison.Ordinal);
        Assert.Contains("dmarc=pass", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spoofed_sender_of_a_p_reject_domain_is_refused_with_550_5_7_1()
    {
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(Message("alerts@bank.test", "Spoof"), "alerts@bank.test"));

        Assert.Equal(550, (int)error.StatusCode);
        Assert.Contains("DMARC", error.Message, StringComparison.Ordinal);
        await Task.Delay(300);
        Assert.DoesNotContain(app.Services.GetRequiredService<ReceivedLog>().Messages, m => Encoding.UTF8.GetString(m).Contains("Spoof", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dmarc_failure_under_p_none_is_accepted_and_recorded_as_fail()
    {
        await SendAsync(Message("letter@news.test", "Monitoring"), "letter@news.test");

        var header = await AuthenticationResultsAsync("Monitoring");
        Assert.Contains("spf=fail smtp.mailfrom=letter@news.test", header, StringComparison.Ordinal);
        Assert.Contains("dkim=none", header, StringComparison.Ordinal);
        Assert.Contains("dmarc=fail (p=none) header.from=news.test", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Domain_without_spf_or_dmarc_is_none()
    {
        await SendAsync(Message("someone@plain.test", "Plain"), "someone@plain.test");

        var header = await AuthenticationResultsAsync("Plain");
        Assert.Contains("spf=none", header, StringComparison.Ordinal);
        Assert.Contains("dmarc=none", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authentication_results_goes_on_top_without_rewriting_the_spooled_message()
    {
        await SendAsync(Message("letter@news.test", "Written once"), "letter@news.test");

        var header = await AuthenticationResultsAsync("Written once");
        Assert.Contains("spf=fail", header, StringComparison.Ordinal);

        // The spool file starts with the octets as received (our Received first): the header is
        // written after them in the file's trailer instead of in a rewritten copy of the file.
        var queueId = app.Services.GetRequiredService<ReceivedLog>().Envelopes.Single(e => e.ReversePath == "letter@news.test" && e.Size > 0
            && Encoding.UTF8.GetString(e.Content ?? []).Contains("Subject: Written once", StringComparison.Ordinal)).QueueId;
        var incoming = Path.Combine(root, "spool", "incoming");
        var path = Path.Combine(incoming, queueId + ".eml");
        var body = await File.ReadAllTextAsync(path);
        Assert.StartsWith("Received: from client.test", body, StringComparison.Ordinal);
        Assert.True(SpoolTrailer.TryVerify(path, out var layout, out var prefix, out _));
        Assert.StartsWith("Authentication-Results: mx.esp.sn;", Encoding.UTF8.GetString(prefix), StringComparison.Ordinal);
        Assert.Equal(layout.ContentLength, app.Services.GetRequiredService<ReceivedLog>().Envelopes.Single(e => e.QueueId == queueId).Size);
        Assert.Empty(Directory.GetFiles(incoming, "*.merged"));
        Assert.False(File.Exists(Path.Combine(incoming, queueId + ".env")));
        var published = app.Services.GetRequiredService<ReceivedLog>().Envelopes.Single(e => e.QueueId == queueId);
        Assert.Equal(published.Content!.Length, published.Size);
    }

    [Fact]
    public async Task Large_message_by_claim_check_also_carries_authentication_results_on_top()
    {
        var message = Message("letter@news.test", "Large one");
        message.Body = new TextPart("plain") { Text = string.Concat(Enumerable.Repeat("A line of a large message, long enough to pass the inline threshold.\n", 2000)) };

        await SendAsync(message, "letter@news.test");

        var header = await AuthenticationResultsAsync("Large one");
        Assert.Contains("dmarc=fail (p=none) header.from=news.test", header, StringComparison.Ordinal);
        var received = app.Services.GetRequiredService<ReceivedLog>().Envelopes.Single(e => e.Content is null && e.ReversePath == "letter@news.test" && e.Size > 100_000);
        var path = Path.Combine(root, "spool", "incoming", received.QueueId + ".eml");
        Assert.True(SpoolTrailer.TryVerify(path, out var layout, out _, out _));
        Assert.Equal(layout.ContentLength, received.Size);
        // Read back through the claim check: the header prefix first, then the message, not the trailer.
        Assert.Contains(app.Services.GetRequiredService<ReceivedLog>().Messages, m => m.Length == received.Size
            && Encoding.ASCII.GetString(m, 0, 64).StartsWith("Authentication-Results: mx.esp.sn;", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "spool", "incoming"), "*.merged"));
    }

    [Fact]
    public async Task Dsn_parameters_of_mail_and_rcpt_are_advertised_checked_and_carried_with_the_message()
    {
        using var client = new DsnClient { LocalDomain = "client.test" };
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Dsn));
        await client.SendAsync(Message("someone@plain.test", "With DSN"), MailboxAddress.Parse("someone@plain.test"), [MailboxAddress.Parse("awa@esp.sn")]);
        await client.DisconnectAsync(true);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        MailReceived? received;
        while ((received = app.Services.GetRequiredService<ReceivedLog>().Envelopes.FirstOrDefault(e => e.EnvelopeId == "ENV+42")) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no message with the ENVID arrived");
            await Task.Delay(25);
        }

        Assert.Equal("HDRS", received.DsnReturn);
        Assert.Equal("SUCCESS,FAILURE", received.DsnNotify!["awa@esp.sn"]);
        Assert.Equal("rfc822;awa@esp.sn", received.OriginalRecipients!["awa@esp.sn"]);
    }

    /// <summary>MailKit sending RFC 3461 parameters: ENVID (xtext-encoded by MailKit), RET, NOTIFY and ORCPT.</summary>
    private sealed class DsnClient : SmtpClient
    {
        public DsnClient() => DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly;

        protected override string GetEnvelopeId(MimeMessage message) => "ENV+42";

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
            DeliveryStatusNotification.Success | DeliveryStatusNotification.Failure;
    }

    private static MimeMessage Message(string from, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("awa@esp.sn"));
        message.Subject = subject;
        message.MessageId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)) + "@test";
        message.Date = DateTimeOffset.UtcNow;
        message.Body = new TextPart("plain") { Text = "Hello Awa,\nthis is " + subject + ".\n" };
        return message;
    }

    private async Task SendAsync(MimeMessage message, string sender)
    {
        using var client = new SmtpClient { LocalDomain = "client.test" };
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await client.SendAsync(message, MailboxAddress.Parse(sender), [MailboxAddress.Parse("awa@esp.sn")]);
        await client.DisconnectAsync(true);
    }

    private async Task<string> AuthenticationResultsAsync(string subject)
    {
        var log = app.Services.GetRequiredService<ReceivedLog>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (log.Messages.Select(m => Encoding.UTF8.GetString(m)).FirstOrDefault(m => m.Contains("Subject: " + subject + "\r\n", StringComparison.Ordinal)) is { } text)
            {
                // The gateway's header is the first field, above its Received.
                var end = text.IndexOf("\r\nReceived:", StringComparison.Ordinal);
                Assert.True(text.StartsWith("Authentication-Results:", StringComparison.Ordinal) && end > 0, text);
                return text[..end].Replace("\r\n\t", " ", StringComparison.Ordinal);
            }

            Assert.True(DateTime.UtcNow < deadline, "the message never reached the bus");
            await Task.Delay(25);
        }
    }

    internal sealed class ReceivedLog
    {
        public ConcurrentQueue<byte[]> Messages { get; } = new();

        public ConcurrentQueue<MailReceived> Envelopes { get; } = new();
    }

    internal sealed class ReceivedRecorder(ReceivedLog log, ClaimCheckRepository claims) : IConsumer<MailReceived>
    {
        public async Task Consume(ConsumeContext<MailReceived> context)
        {
            log.Envelopes.Enqueue(context.Message);
            if (context.Message.Content is { } content)
            {
                log.Messages.Enqueue(content);
                return;
            }

            await using var stream = await claims.Get(new Uri("urn:facteur:spool:" + context.Message.QueueId));
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            log.Messages.Enqueue(copy.ToArray());
        }
    }
}
