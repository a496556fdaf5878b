using Facteur.Accounts;
using Facteur.Delivery.Relay;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.MailStore;
using Facteur.MailStore.Index;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery;

/// <summary>Delivery as a module: consumers that write Maildir copies (and hand remote recipients to the relay).</summary>
public static class DeliveryModule
{
    public static WebApplicationBuilder AddDelivery(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeliveryOptions>()
            .BindConfiguration(DeliveryOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddDeliveryServices();
        builder.Services.AddRelayServices();
        builder.ConfigureFacteurBus(x =>
        {
            x.AddConsumer<MailReceivedConsumer, MailReceivedConsumerDefinition>();
            x.AddConsumer<RelayMailConsumer, RelayMailConsumerDefinition>();
        });
        return builder;
    }

    /// <summary>Everything the consumer needs except the bus registration (tests compose their own bus).</summary>
    internal static IServiceCollection AddDeliveryServices(this IServiceCollection services)
    {
        services.AddFacteurAccounts();
        services.AddBusDurability();
        services.TryAddSingleton<DeliveryBacklog>();
        services.TryAddSingleton<DeliveredAnnouncer>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<FacteurOptions>>().Value;
            return new MaildirWriter(options.MailRoot, options.Hostname);
        });
        // Mailbox:QuotaBytes (0 = none, the default) counted over all folders by the IMAP store's index.
        services.AddMessageStore(sp => sp.GetRequiredService<IOptions<FacteurOptions>>().Value.MailRoot);
        services.TryAddSingleton<IMailboxQuota, MailStoreMailboxQuota>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<MaildirTmpSweeper>();
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            MailRootWritableHealthCheck.Name,
            sp => new MailRootWritableHealthCheck(sp.GetRequiredService<IOptions<FacteurOptions>>().Value.MailRoot),
            HealthStatus.Unhealthy,
            ["ready"]));
        return services;
    }
}
