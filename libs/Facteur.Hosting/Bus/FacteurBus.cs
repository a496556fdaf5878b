using Facteur.Contracts;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Hosting.Bus;

/// <summary>
/// The one MassTransit bus of a host: <c>Facteur:Transport</c> picks RabbitMQ (publisher
/// confirms, persistent messages, durable quorum queues) or the in-memory transport of the
/// standalone host. Both get the claim-check repository and interval retries ending in the
/// endpoint's <c>_error</c> queue.
/// </summary>
public static class FacteurBus
{
    public static IHostApplicationBuilder AddFacteurBus(this IHostApplicationBuilder builder)
    {
        var registrations = FacteurBusExtensions.Registrations(builder);
        var transport = builder.Configuration.GetValue($"{FacteurOptions.SectionName}:Transport", FacteurTransport.RabbitMq);
        Uri? brokerUri = null;
        if (transport == FacteurTransport.RabbitMq)
        {
            var connectionString = builder.Configuration.GetConnectionString("RabbitMq");
            if (string.IsNullOrWhiteSpace(connectionString) || !Uri.TryCreate(connectionString, UriKind.Absolute, out brokerUri))
            {
                throw new InvalidOperationException(
                    "ConnectionStrings:RabbitMq must be an amqp:// URL when Facteur:Transport is RabbitMq.");
            }
        }

        builder.Services.AddBusDurability();
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            // Start even when the broker is down: the host answers /healthz and MassTransit keeps
            // reconnecting; /readyz reports the bus unhealthy until it is connected.
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            foreach (var register in registrations)
            {
                register(x);
            }

            x.AddConfigureEndpointsCallback((context, name, endpoint) =>
            {
                var options = context.GetRequiredService<IOptions<BusOptions>>().Value;
                // Per-replica wake-up queues (IMAP's "imap-wake-…") are temporary: auto-delete queues cannot be quorum queues.
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit && !name.StartsWith("imap-wake", StringComparison.Ordinal))
                {
                    rabbit.SetQuorumQueue();
                }

                // Before the retry, so it is outside it: only the fault that ends in _error holds the claim.
                endpoint.UseFilter(new ClaimHoldFilter(
                    context.GetRequiredService<ClaimCheckRepository>(),
                    context.GetRequiredService<ILogger<ClaimHoldFilter>>()));
                endpoint.UseMessageRetry(r =>
                {
                    r.Intervals([.. options.EffectiveRetryIntervals]);

                    // Permanent faults (an unsafe mailbox name, a malformed message) go straight to _error.
                    r.Ignore<ArgumentException>();
                    r.Ignore<MessageDataException>();
                });
            });

            if (transport == FacteurTransport.InMemory)
            {
                x.UsingInMemory((context, cfg) =>
                {
                    cfg.UseMessageData(context.GetRequiredService<ClaimCheckRepository>());
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingRabbitMq((context, cfg) =>
                {
                    var options = context.GetRequiredService<IOptions<BusOptions>>().Value;
                    if (options.EntityPrefix.Length > 0)
                    {
                        cfg.MessageTopology.SetEntityNameFormatter(new PrefixedEntityNameFormatter(options.EntityPrefix, cfg.MessageTopology.EntityNameFormatter));
                    }

                    cfg.Host(brokerUri!, h =>
                    {
                        // 250 only after the broker has the message (DESIGN.md promise 1).
                        h.PublisherConfirmation = true;
                        h.RequestedConnectionTimeout(TimeSpan.FromSeconds(5));
                    });
                    cfg.UseMessageData(context.GetRequiredService<ClaimCheckRepository>());
                    cfg.Durable = true;

                    // Declared by publishers as well, so nothing published before the first
                    // consumer started is dropped by an unbound exchange. The message exchange is
                    // bound straight to the queue; the consumer adds its own exchange on the way,
                    // and RabbitMQ puts one copy in a queue however many bindings lead there.
                    var delivery = options.QueueName(FacteurQueues.Delivery);
                    var relay = options.QueueName(FacteurQueues.Relay);
                    cfg.Publish<MailReceived>(p => p.BindQueue(p.Exchange.ExchangeName, delivery, q => q.SetQuorumQueue()));
                    cfg.Publish<RelayMail>(p => p.BindQueue(p.Exchange.ExchangeName, relay, q => q.SetQuorumQueue()));
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        return builder;
    }

    /// <summary>Spool, claim check and sweeper; idempotent, also used by tests that build their own bus.</summary>
    public static IServiceCollection AddBusDurability(this IServiceCollection services)
    {
        // Several modules call this; binding the options twice would append the configured
        // retry intervals to the list a second time.
        if (services.Any(d => d.ServiceType == typeof(ClaimCheckRepository)))
        {
            return services;
        }

        services.AddOptions<BusOptions>()
            .BindConfiguration(BusOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new MailSpool(sp.GetRequiredService<IOptions<FacteurOptions>>().Value.SpoolRoot));
        services.TryAddSingleton<ClaimCheckRepository>();
        services.TryAddSingleton<RelaySpool>();
        services.AddHostedService<ClaimSweeper>();

        return services;
    }
}
