using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Facteur.Hosting.Health;

/// <summary>
/// MassTransit registers its bus health check itself, with tags that have changed between
/// versions; this makes sure it is always part of <c>/readyz</c>, whatever the bus configuration says.
/// </summary>
internal sealed class BusReadiness : IPostConfigureOptions<HealthCheckServiceOptions>
{
    public void PostConfigure(string? name, HealthCheckServiceOptions options)
    {
        foreach (var registration in options.Registrations)
        {
            if (registration.Name.Contains("masstransit", StringComparison.OrdinalIgnoreCase)
                || registration.Tags.Contains("masstransit", StringComparer.OrdinalIgnoreCase))
            {
                registration.Tags.Add(HealthTags.Ready);
            }
        }
    }
}
