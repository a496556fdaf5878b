using System.Net.Sockets;
using System.Text;
using Facteur.Accounts;
using Facteur.Hosting.Bus;
using Facteur.SmtpGateway;
using Facteur.SmtpGateway.Intake;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Facteur.Durability.Tests;

/// <summary>
/// Over RabbitMQ a large message's claim is fsynced while the broker stores and confirms the
/// message. A delivery worker can deliver it and delete the claim before that fsync runs; the
/// fsync goes through the gateway's open handle, so this must still end in one 250 and one copy
/// (an fsync that reopened the claim by path answered 451 here, and the client's resend was a
/// duplicate). The race is made to happen on demand with the intake's BeforeClaimSync seam.
/// </summary>
public sealed class ClaimSyncRaceTests : IAsyncLifetime
{
    private readonly TempRoot root = new();
    private readonly string prefix = TestBroker.NewPrefix();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        root.Dispose();
        await TestBroker.DeleteEntitiesAsync(prefix);
    }

    private static byte[] Large(string subject)
    {
        var text = new StringBuilder($"Received: from client by mx.esp.sn\r\nSubject: {subject}\r\n\r\n");
        for (var i = 0; i < 20_000; i++)
        {
            text.Append("line ").Append(i).Append(" of the body\r\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static string NewQueueId() => "Q" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private HostSetup Gateway() => new() { Root = root.Path, Intake = true, Broker = TestBroker.Url, Prefix = prefix };

    private HostSetup Worker() => new()
    {
        Root = root.Path,
        Delivery = true,
        Broker = TestBroker.Url,
        Prefix = prefix,
        Resolver = new Users("alice@esp.sn"),
    };

    [Fact]
    public async Task A_claim_delivered_and_deleted_before_the_gateways_fsync_still_gets_250_and_lands_once()
    {
        await using var worker = await TestHost.StartAsync(Worker());
        await using var gateway = await TestHost.StartAsync(Gateway());
        var intake = gateway.Services.GetRequiredService<MailIntake>();
        var content = Large("delivered before its claim's fsync");
        Assert.True(content.Length > gateway.Setup.InlineThreshold);
        var queueId = NewQueueId();
        string? deletedBeforeSync = null;
        intake.BeforeClaimSync = async claimPath =>
        {
            // Hold the fsync until the worker has delivered the message and deleted its claim.
            await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1 && !File.Exists(claimPath), TimeSpan.FromSeconds(30), "delivery to delete the claim");
            deletedBeforeSync = claimPath;
        };

        // Throws MailIntakeUnavailableException (the session's 451) if the fsync failed.
        await gateway.SendAsync(queueId, ["alice@esp.sn"], content);

        Assert.NotNull(deletedBeforeSync);
        Assert.False(File.Exists(deletedBeforeSync));
        var file = Assert.Single(worker.Files("alice@esp.sn"));
        Assert.Contains(queueId, Path.GetFileName(file), StringComparison.Ordinal);
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.True(bytes.AsSpan(bytes.Length - content.Length).SequenceEqual(content));
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Claims));
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));
        Assert.False(File.Exists(gateway.Spool.EnvelopePath(queueId)), "accepted as confirmed, not kept as unconfirmed");
    }

    [Fact]
    public async Task A_claim_is_whole_under_its_final_name_before_the_broker_has_its_address()
    {
        await using var gateway = await TestHost.StartAsync(Gateway());
        var intake = gateway.Services.GetRequiredService<MailIntake>();
        var content = Large("whole before the publish");
        var queueId = NewQueueId();
        var seen = false;
        intake.BeforeClaimSync = claimPath =>
        {
            // Runs beside the publish, before the claim's fsync: the name and every octet are
            // already there (the file was made under it), so a worker could read it now.
            Assert.True(Facteur.Hosting.Bus.SpoolTrailer.TryVerify(claimPath, out var layout, out _, out _), "the claim is not whole before its fsync");
            Assert.Equal(content.Length, layout.MessageLength);
            Assert.False(File.Exists(gateway.Spool.MessagePath(queueId)), "still in incoming/");
            seen = true;
            return Task.CompletedTask;
        };

        await gateway.SendAsync(queueId, ["alice@esp.sn"], content);

        Assert.True(seen);
        Assert.Single(Directory.EnumerateFiles(gateway.Spool.Claims));
    }

    [Fact]
    public async Task A_message_past_the_threshold_spills_into_its_claim_whose_name_is_made_durable_while_it_arrives()
    {
        await using var gateway = await TestHost.StartAsync(Gateway());
        var intake = gateway.Services.GetRequiredService<IMailIntake>();
        var claims = gateway.Services.GetRequiredService<ClaimCheckRepository>();
        var content = Large("spilled into claims/");
        var threshold = gateway.Setup.InlineThreshold;
        var queueId = NewQueueId();
        await using (var message = await intake.BeginAsync(queueId, CancellationToken.None))
        {
            var spooled = Assert.IsType<SpooledMessage>(message);
            await message.Content.WriteAsync(content.AsMemory(0, threshold));
            Assert.True(spooled.InMemory);
            Assert.False(File.Exists(claims.SpillPath(queueId)), "a file before the threshold was passed");

            await message.Content.WriteAsync(content.AsMemory(threshold));
            Assert.False(spooled.InMemory);
            Assert.True(File.Exists(claims.SpillPath(queueId)), "not spilled into claims/ under its final name");
            Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));

            // The fsync of claims/ started when the file was made, before the message's end.
            Assert.NotSame(Task.CompletedTask, spooled.EntryCreated);
            await spooled.EntryCreated.WaitAsync(TimeSpan.FromSeconds(30));

            await intake.CommitAsync(TestHost.EnvelopeFor(queueId, "alice@esp.sn"), message, CancellationToken.None);
        }

        Assert.True(Facteur.Hosting.Bus.SpoolTrailer.TryVerify(claims.SpillPath(queueId), out var layout, out _, out _), "the claim is not whole after the 250");
        Assert.Equal(content.Length, layout.MessageLength);

        // A message that spilled and was then abandoned (client gone, 552) leaves no claim behind.
        var abandoned = NewQueueId();
        await using (var message = await intake.BeginAsync(abandoned, CancellationToken.None))
        {
            await message.Content.WriteAsync(content);
            Assert.True(File.Exists(claims.SpillPath(abandoned)));
        }

        Assert.False(File.Exists(claims.SpillPath(abandoned)), "an abandoned message's claim file was left");
        Assert.Single(Directory.EnumerateFiles(gateway.Spool.Claims));
    }

    [Fact]
    public async Task Over_an_smtp_socket_a_claim_deleted_by_delivery_before_its_fsync_still_gets_250_and_lands_once()
    {
        await using var worker = await TestHost.StartAsync(Worker());
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ApplicationName = "Facteur.Durability.Tests" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Facteur:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = TestBroker.Url.ToString(),
            ["Facteur:Hostname"] = "mx.esp.sn",
            ["Facteur:Domains:0"] = "esp.sn",
            ["Facteur:ListenAddress"] = "127.0.0.1",
            ["Facteur:MailRoot"] = Path.Combine(root.Path, "mail"),
            ["Facteur:SpoolRoot"] = Path.Combine(root.Path, "spool"),
            ["Bus:EntityPrefix"] = prefix,
            ["Bus:InlineThreshold"] = "4096",
            ["Smtp:Port"] = "0",
            ["Smtp:SubmissionPort"] = "0",
            ["Smtp:SubmissionsPort"] = "0",
            // No DNS from a test: SPF/DKIM/DMARC are not what this test is about.
            ["Smtp:AuthenticationChecks"] = "false",
        });
        builder.Logging.ClearProviders();
        builder.AddSmtpGateway();
        builder.AddFacteurBus();
        builder.Services.AddSingleton<Facteur.Hosting.IServerCertificate, SelfSignedCertificate>();
        builder.Services.AddSingleton<IRecipientResolver>(new Users("alice@esp.sn"));
        builder.Services.AddSingleton<IPasswordAuthenticator, NoPasswords>();
        await using var app = builder.Build();
        await app.StartAsync();
        try
        {
            var intake = app.Services.GetRequiredService<MailIntake>();
            var claimsFolder = app.Services.GetRequiredService<MailSpool>().Claims;
            var deletedBeforeSync = false;
            intake.BeforeClaimSync = async claimPath =>
            {
                await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1 && !File.Exists(claimPath), TimeSpan.FromSeconds(30), "delivery to delete the claim");
                deletedBeforeSync = true;
            };
            var port = app.Services.GetRequiredService<SmtpListeners>().EndPoint(SmtpListenerKind.Mx).Port;
            var body = new StringBuilder("Subject: over a socket\r\n\r\n");
            while (body.Length < 100 * 1024)
            {
                body.Append("a line of a large message, sent over SMTP to the real gateway\r\n");
            }

            var reply = await SendOverSmtpAsync(port, body.ToString());

            Assert.StartsWith("250", reply, StringComparison.Ordinal);
            Assert.True(deletedBeforeSync);
            var file = Assert.Single(worker.Files("alice@esp.sn"));
            Assert.EndsWith(body.ToString(), await File.ReadAllTextAsync(file), StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFiles(claimsFolder));
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await app.StopAsync(stop.Token);
        }
    }

    /// <summary>One message over a plain SMTP session on 127.0.0.1; returns the reply to the end of DATA.</summary>
    private static async Task<string> SendOverSmtpAsync(int port, string message)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, timeout.Token);
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };

        async Task<string> ReplyAsync()
        {
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new IOException("The gateway closed the connection.");
                if (line.Length < 4 || line[3] != '-')
                {
                    return line;
                }
            }
        }

        async Task<string> CommandAsync(string command)
        {
            await writer.WriteLineAsync(command);
            return await ReplyAsync();
        }

        Assert.StartsWith("220", await ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);
        Assert.StartsWith("250", await CommandAsync("MAIL FROM:<sender@example.org>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await CommandAsync("RCPT TO:<alice@esp.sn>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await CommandAsync("DATA"), StringComparison.Ordinal);
        await writer.WriteAsync(message);
        var reply = await CommandAsync(".");
        await CommandAsync("QUIT");
        return reply;
    }

    private sealed class NoPasswords : IPasswordAuthenticator
    {
        public ValueTask<string?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<string?>(null);
    }

    /// <summary>A throw-away self-signed certificate for the gateway's TLS listeners (unused here, but required).</summary>
    private sealed class SelfSignedCertificate : Facteur.Hosting.IServerCertificate
    {
        private static readonly Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2> Shared = new(Create);

        public System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate => Shared.Value;

        public bool IsSelfSigned => true;

        private static System.Security.Cryptography.X509Certificates.X509Certificate2 Create()
        {
            using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
                created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        }
    }
}
