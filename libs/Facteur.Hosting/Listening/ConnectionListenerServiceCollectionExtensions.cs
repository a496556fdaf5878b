using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Facteur.Hosting.Listening;

/// <summary>How a module adds a port to <see cref="ConnectionListeners"/>.</summary>
public static class ConnectionListenerServiceCollectionExtensions
{
    /// <summary>Adds a TCP port served by <see cref="ConnectionListeners"/> (one hosted service for all of them).</summary>
    public static IServiceCollection AddConnectionListener(this IServiceCollection services, Func<IServiceProvider, ConnectionListenerOptions> listener)
    {
        services.AddSingleton(new ConnectionListenerRegistration(listener));
        services.TryAddSingleton(sp => new ConnectionListeners(
            sp.GetServices<ConnectionListenerRegistration>(),
            sp,
            sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ConnectionListeners>(sp => sp.GetRequiredService<ConnectionListeners>()));
        return services;
    }
}
