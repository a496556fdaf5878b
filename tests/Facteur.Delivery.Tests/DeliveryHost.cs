using System.Collections.Concurrent;
using Facteur.Accounts;
using Facteur.Contracts;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Facteur.Delivery.Tests;

/// <summary>
/// The delivery module on a real MassTransit in-memory bus (the standalone host's transport),
/// with the production bus wiring (AddFacteurBus: retries, claim check), a private mail root
/// and spool, and recorders for what delivery publishes.
/// </summary>
internal sealed class DeliveryHost : IAsyncDisposable
{
    private readonly IHost host;

    private DeliveryHost(IHost host, string root)
    {
        this.host = host;
        Root = root;
    }

    public string Root { get; }

    public string MailRoot => Path.Combine(Root, "mail");

    public string SpoolRoot => Path.Combine(Root, "spool");

    public IBus Bus => host.Services.GetRequiredService<IBus>();

    public Observed Observed => host.Services.GetRequiredService<Observed>();

    public IServiceProvider Services => host.Services;

    public static async Task<DeliveryHost> StartAsync(IRecipientResolver resolver, IMailboxQuota? quota = null, int inlineThreshold = 64 * 1024, long quotaBytes = 0, TimeProvider? time = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "facteur-delivery-" + Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Facteur:Transport"] = "InMemory",
            ["Facteur:Hostname"] = "mx.esp.sn",
            ["Facteur:MailRoot"] = Path.Combine(root, "mail"),
            ["Facteur:SpoolRoot"] = Path.Combine(root, "spool"),
            ["Bus:InlineThreshold"] = inlineThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bus:RetryIntervals:0"] = "00:00:00.050",
            ["Bus:RetryIntervals:1"] = "00:00:00.100",
            ["Delivery:ConcurrentMessageLimit"] = "4",
            ["Mailbox:QuotaBytes"] = quotaBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddOptions<FacteurOptions>().BindConfiguration(FacteurOptions.SectionName);
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.SectionName);
        builder.Services.AddDeliveryServices();
        builder.Services.AddSingleton(resolver);
        if (quota is not null)
        {
            builder.Services.AddSingleton(quota);
        }

        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSingleton<Observed>();
        builder.ConfigureFacteurBus(x =>
        {
            x.AddConsumer<MailReceivedConsumer, MailReceivedConsumerDefinition>();
            x.AddConsumer<DeliveredRecorder>();
            x.AddConsumer<RelayRecorder>();
        });
        builder.AddFacteurBus();
        var host = builder.Build();
        host.Services.GetRequiredService<IBus>().ConnectReceiveObserver(host.Services.GetRequiredService<Observed>());
        await host.StartAsync();
        return new DeliveryHost(host, root);
    }

    public Task PublishAsync(MailReceived message, bool redelivery = false, bool spoolEntry = false) =>
        Bus.Publish(message, c =>
        {
            if (redelivery)
            {
                c.Headers.Set(FacteurQueues.RedeliveryHeader, "true");
            }

            if (spoolEntry)
            {
                c.Headers.Set(FacteurQueues.SpoolHeader, "true");
            }
        });

    public string[] Files(string mailbox, string sub = "new")
    {
        var at = mailbox.IndexOf('@', StringComparison.Ordinal);
        var path = Path.Combine(MailRoot, mailbox[(at + 1)..], mailbox[..at], sub);
        return Directory.Exists(path) ? Directory.GetFiles(path) : [];
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>What the test host saw: events delivery published and consume outcomes.</summary>
internal sealed class Observed : IReceiveObserver
{
    public ConcurrentQueue<MailDelivered> Delivered { get; } = new();

    /// <summary>Bus messages that carried <see cref="Delivered"/> (a batch is one).</summary>
    public int DeliveredPublishes;

    public ConcurrentQueue<(RelayMail Message, Guid? MessageId)> Relayed { get; } = new();

    public ConcurrentQueue<string> Consumed { get; } = new();

    public ConcurrentQueue<(string QueueId, Exception Error)> Faults { get; } = new();

    /// <summary>Waits (bounded) until delivery finished with the message, successfully or not.</summary>
    public async Task WaitForOutcomeAsync(string queueId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!Consumed.Contains(queueId) && !Faults.Any(f => f.QueueId == queueId))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No consume outcome for {queueId}");
            }

            await Task.Delay(20);
        }
    }

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class
    {
        if (context.Message is MailReceived received)
        {
            Consumed.Enqueue(received.QueueId);
        }

        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class
    {
        if (context.Message is MailReceived received)
        {
            Faults.Enqueue((received.QueueId, exception));
        }

        return Task.CompletedTask;
    }

    public Task ReceiveFault(ReceiveContext context, Exception exception) => Task.CompletedTask;
}

/// <summary>Records each announced copy, whether it came alone or in a batch, and how many publishes carried them.</summary>
internal sealed class DeliveredRecorder(Observed observed) : IConsumer<MailDelivered>, IConsumer<MailDeliveredBatch>
{
    public Task Consume(ConsumeContext<MailDelivered> context)
    {
        observed.Delivered.Enqueue(context.Message);
        Interlocked.Increment(ref observed.DeliveredPublishes);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<MailDeliveredBatch> context)
    {
        foreach (var copy in context.Message.Copies)
        {
            observed.Delivered.Enqueue(copy);
        }

        Interlocked.Increment(ref observed.DeliveredPublishes);
        return Task.CompletedTask;
    }
}

internal sealed class RelayRecorder(Observed observed) : IConsumer<RelayMail>
{
    public Task Consume(ConsumeContext<RelayMail> context)
    {
        observed.Relayed.Enqueue((context.Message, context.MessageId));
        return Task.CompletedTask;
    }
}
