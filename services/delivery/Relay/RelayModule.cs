using Facteur.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>The relay's services (the consumer itself is registered on the bus by <c>AddDelivery</c>).</summary>
internal static class RelayModule
{
    public static IServiceCollection AddRelayServices(this IServiceCollection services)
    {
        services.AddOptions<RelayOptions>()
            .BindConfiguration(RelayOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RelayOptions>, RelayOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DestinationResolver>();
        services.TryAddSingleton<TransportMap>();
        services.TryAddSingleton<RelayCredentials>();
        services.TryAddSingleton<RelayTlsTrust>();
        services.TryAddSingleton<MtaStsPolicies>();
        services.TryAddSingleton<RelayConnectionPool>();
        services.TryAddSingleton<DkimKeyStore>();
        services.TryAddSingleton<RelayTransport>();
        services.TryAddSingleton<RelayDoneRecord>();
        services.TryAddSingleton<BrokerRelayRetries>();
        services.TryAddSingleton<SpoolRelayRetries>();
        services.TryAddSingleton<IRelayRetries>(sp =>
            sp.GetRequiredService<IOptions<FacteurOptions>>().Value.Transport == FacteurTransport.InMemory
                ? sp.GetRequiredService<SpoolRelayRetries>()
                : sp.GetRequiredService<BrokerRelayRetries>());
        services.AddHostedService<RelaySpoolPump>();
        return services;
    }
}
