using MassTransit;
using Microsoft.Extensions.Hosting;

namespace Facteur.Hosting.Bus;

/// <summary>
/// MassTransit may be added only once per host, but each module (gateway, delivery, …) brings
/// its own consumers. Modules call <see cref="ConfigureFacteurBus"/>; the host's Program.cs
/// calls <see cref="AddFacteurBus"/> once, after every module.
/// </summary>
public static class FacteurBusExtensions
{
    private const string RegistrationsKey = "Facteur.Bus.Registrations";

    public static IHostApplicationBuilder ConfigureFacteurBus(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> configure)
    {
        Registrations(builder).Add(configure);
        return builder;
    }

    internal static List<Action<IBusRegistrationConfigurator>> Registrations(IHostApplicationBuilder builder)
    {
        if (!builder.Properties.TryGetValue(RegistrationsKey, out var value))
        {
            value = new List<Action<IBusRegistrationConfigurator>>();
            builder.Properties[RegistrationsKey] = value;
        }

        return (List<Action<IBusRegistrationConfigurator>>)value;
    }
}
