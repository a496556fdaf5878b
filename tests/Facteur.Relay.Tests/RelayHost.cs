using System.Globalization;
using Facteur.Accounts;
using Facteur.Contracts;
using Facteur.Delivery;
using Facteur.Delivery.Relay;
using Facteur.Delivery.Tests;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Facteur.Relay.Tests;

/// <summary>
/// Delivery with the relay, production wiring (AddDeliveryServices, AddRelayServices, both
/// consumers, AddFacteurBus), on the in-memory transport by default or on a RabbitMQ broker,
/// MX lookups against the test's <see cref="DnsResponder"/> and remote port = the sink's.
/// The root folder survives <see cref="StopAsync"/> so a second host can take over (restart tests).
/// </summary>
internal sealed class RelayHost : IAsyncDisposable
{
    private IHost? host;

    private RelayHost(string root) => Root = root;

    public string Root { get; }

    public string MailRoot => Path.Combine(Root, "mail");

    public string SpoolRoot => Path.Combine(Root, "spool");

    public string DkimFolder => Path.Combine(Root, "dkim");

    public IServiceProvider Services => host!.Services;

    public static string NewRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "facteur-relay-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "dkim"));
        return root;
    }

    public static async Task<RelayHost> StartAsync(DnsResponder dns, int port, IDictionary<string, string?>? settings = null, string? root = null, string? rabbitUrl = null, string? entityPrefix = null, LogCapture? logs = null)
    {
        root ??= NewRoot();
        var relayHost = new RelayHost(root);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var config = new Dictionary<string, string?>
        {
            ["Facteur:Transport"] = rabbitUrl is null ? "InMemory" : "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = rabbitUrl,
            ["Bus:EntityPrefix"] = entityPrefix ?? string.Empty,
            ["Facteur:Hostname"] = "mx.esp.sn",
            ["Facteur:Domains:0"] = "esp.sn",
            ["Facteur:MailRoot"] = relayHost.MailRoot,
            ["Facteur:SpoolRoot"] = relayHost.SpoolRoot,
            ["Bus:RetryIntervals:0"] = "00:00:00.050",
            ["Relay:DnsServers:0"] = dns.Endpoint,
            ["Relay:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Relay:RetrySchedule:0"] = "00:00:00.300",
            ["Relay:SpoolPollInterval"] = "00:00:00.100",
            ["Relay:CommandTimeout"] = "00:00:10",
            ["Relay:DkimKeysFolder"] = relayHost.DkimFolder,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);

        // MassTransit keeps the first host's logger factory in a static; one that is never
        // disposed lets a second host start in this process (restart tests).
        builder.Services.AddSingleton<ILoggerFactory>(logs ?? (ILoggerFactory)NullLoggerFactory.Instance);
        builder.Services.AddOptions<FacteurOptions>().BindConfiguration(FacteurOptions.SectionName);
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.SectionName);
        builder.Services.AddDeliveryServices();
        builder.Services.AddRelayServices();
        builder.Services.AddSingleton<IRecipientResolver>(new TableResolver("esp.sn").User("awa@esp.sn").User("moussa@esp.sn"));
        builder.ConfigureFacteurBus(x =>
        {
            x.AddConsumer<MailReceivedConsumer, MailReceivedConsumerDefinition>();
            x.AddConsumer<RelayMailConsumer, RelayMailConsumerDefinition>();
        });
        builder.AddFacteurBus();
        relayHost.host = builder.Build();
        await relayHost.host.StartAsync();
        if (rabbitUrl is not null)
        {
            await relayHost.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(60));
        }

        return relayHost;
    }

    /// <summary>Hands a message from an authenticated local sender to delivery, which passes remote recipients to the relay.</summary>
    public Task SubmitAsync(string queueId, string from, string[] recipients, string? subject = null, string? body = null) =>
        SubmitAsync(new MailReceived
        {
            QueueId = queueId,
            ReversePath = from,
            Recipients = recipients,
            ReceivedAt = DateTimeOffset.UtcNow,
            Size = 0,
            Content = Message(queueId, from, recipients, subject, body),
            AuthenticatedUser = from,
        });

    public Task SubmitAsync(MailReceived message) =>
        Services.GetRequiredService<IBus>().Publish(message with { Size = message.Content?.Length ?? message.Size });

    public static byte[] Message(string queueId, string from, string[] recipients, string? subject = null, string? body = null) =>
        System.Text.Encoding.UTF8.GetBytes(
            $"Received: from client by mx.esp.sn with ESMTPSA id {queueId}\r\n" +
            $"From: Awa <{from}>\r\n" +
            $"To: {string.Join(", ", recipients)}\r\n" +
            $"Subject: {subject ?? "Relay test " + queueId}\r\n" +
            $"Message-ID: <{queueId}@esp.sn>\r\n" +
            "Date: Sun, 29 Nov 2026 04:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "\r\n" +
            (body ?? $"Hello from {queueId}.\r\nSecond line.\r\n"));

    /// <summary>Messages in a local mailbox's new/ folder.</summary>
    public string[] Inbox(string mailbox)
    {
        var at = mailbox.IndexOf('@', StringComparison.Ordinal);
        var path = Path.Combine(MailRoot, mailbox[(at + 1)..], mailbox[..at], "new");
        return Directory.Exists(path) ? Directory.GetFiles(path) : [];
    }

    public async Task<string[]> WaitForInboxAsync(string mailbox, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Inbox(mailbox).Length < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{mailbox} has {Inbox(mailbox).Length} message(s), expected {count}.");
            }

            await Task.Delay(25);
        }

        return Inbox(mailbox);
    }

    public string[] RelaySpoolEntries()
    {
        var folder = Path.Combine(SpoolRoot, "relay");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.json") : [];
    }

    public async Task StopAsync()
    {
        if (host is not null)
        {
            await host.StopAsync();
            host.Dispose();
            host = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
