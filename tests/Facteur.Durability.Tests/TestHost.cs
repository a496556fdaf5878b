using Facteur.Accounts;
using Facteur.Delivery;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.SmtpGateway;
using Facteur.SmtpGateway.Intake;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Facteur.Durability.Tests;

/// <summary>What a test host runs: the gateway's intake, the delivery consumer, or both.</summary>
internal sealed record HostSetup
{
    public required string Root { get; init; }

    public bool Intake { get; init; }

    public bool Delivery { get; init; }

    /// <summary>RabbitMQ URL; null → the in-memory transport (standalone host).</summary>
    public Uri? Broker { get; init; }

    public string Prefix { get; init; } = string.Empty;

    public IRecipientResolver? Resolver { get; init; }

    public IMailboxQuota? Quota { get; init; }

    public int InlineThreshold { get; init; } = 4096;

    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Bus:ConfirmTimeout (the built-in default unless a test says otherwise).</summary>
    public TimeSpan ConfirmTimeout { get; init; } = new BusOptions().ConfirmTimeout;

    public TimeSpan RepublishInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>A generic host composed like the services' Program.cs (modules, then AddFacteurBus), without Kestrel.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly IHost host;

    private TestHost(IHost host, HostSetup setup)
    {
        this.host = host;
        Setup = setup;
    }

    public HostSetup Setup { get; }

    public IServiceProvider Services => host.Services;

    public MailSpool Spool => Services.GetRequiredService<MailSpool>();

    /// <summary>The host's claim sweeper, to run a sweep now.</summary>
    public ClaimSweeper Sweeper => Services.GetServices<IHostedService>().OfType<ClaimSweeper>().Single();

    public static TestHost Build(HostSetup setup)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Facteur:Transport"] = setup.Broker is null ? "InMemory" : "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = setup.Broker?.ToString(),
            ["Facteur:Hostname"] = "mx.esp.sn",
            ["Facteur:MailRoot"] = Path.Combine(setup.Root, "mail"),
            ["Facteur:SpoolRoot"] = Path.Combine(setup.Root, "spool"),
            ["Bus:EntityPrefix"] = setup.Prefix,
            ["Bus:InlineThreshold"] = setup.InlineThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bus:PublishTimeout"] = setup.PublishTimeout.ToString(),
            ["Bus:ConfirmTimeout"] = setup.ConfirmTimeout.ToString(),
            ["Bus:RepublishInterval"] = setup.RepublishInterval.ToString(),
            ["Bus:RetryIntervals:0"] = "00:00:00.100",
            ["Bus:RetryIntervals:1"] = "00:00:00.200",
            ["Delivery:ConcurrentMessageLimit"] = "4",
        });
        builder.Services.AddOptions<FacteurOptions>().BindConfiguration(FacteurOptions.SectionName);
        if (setup.Intake)
        {
            builder.AddMailIntake();
        }

        if (setup.Delivery)
        {
            builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.SectionName);
            builder.Services.AddDeliveryServices();
            builder.Services.AddSingleton(setup.Resolver ?? throw new ArgumentException("Delivery needs a resolver"));
            if (setup.Quota is not null)
            {
                builder.Services.AddSingleton(setup.Quota);
            }

            builder.ConfigureFacteurBus(x => x.AddConsumer<MailReceivedConsumer, MailReceivedConsumerDefinition>());
        }

        builder.AddFacteurBus();
        return new TestHost(builder.Build(), setup);
    }

    public static async Task<TestHost> StartAsync(HostSetup setup)
    {
        var host = Build(setup);
        await host.host.StartAsync();
        if (setup.Broker is not null && setup.Delivery)
        {
            // Consumers are bound once the bus is connected; wait for that (bounded).
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, timeout.Token);
        }

        return host;
    }

    public Task StartAsync() => host.StartAsync();

    /// <summary>Receives one message through the intake as an SMTP session does, then commits it.</summary>
    public async Task SendAsync(string queueId, string[] recipients, byte[] content, CancellationToken cancellationToken = default)
    {
        var intake = Services.GetRequiredService<IMailIntake>();
        await using var message = await intake.BeginAsync(queueId, cancellationToken);
        await message.Content.WriteAsync(content, cancellationToken);
        await intake.CommitAsync(EnvelopeFor(queueId, recipients), message, cancellationToken);
    }

    /// <summary>The envelope an SMTP session from 127.0.0.1 would commit for <paramref name="recipients"/>.</summary>
    public static Envelope EnvelopeFor(string queueId, params string[] recipients) => new()
    {
        QueueId = queueId,
        ReversePath = "sender@example.org",
        Recipients = recipients,
        ReceivedAt = DateTimeOffset.UtcNow,
        ClientAddress = "127.0.0.1",
        HeloName = "client.example.org",
    };

    public string[] Files(string mailbox, string sub = "new")
    {
        var at = mailbox.IndexOf('@', StringComparison.Ordinal);
        var path = Path.Combine(Setup.Root, "mail", mailbox[(at + 1)..], mailbox[..at], sub);
        return Directory.Exists(path) ? Directory.GetFiles(path) : [];
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        host.Dispose();
    }
}

/// <summary>A private folder for mail and spool, shared by the hosts of one test (like the shared volume).</summary>
internal sealed class TempRoot : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "facteur-durability-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(50);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>Recipients by table, standing in for the accounts library.</summary>
internal sealed class Users(params string[] users) : IRecipientResolver
{
    public bool IsLocalDomain(string domain) => domain == "esp.sn";

    public ValueTask<RecipientResolution> ResolveAsync(string address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(users.Contains(address, StringComparer.OrdinalIgnoreCase)
            ? new RecipientResolution(RecipientKind.Local, [address.ToLowerInvariant()], [])
            : RecipientResolution.Unknown);
}
