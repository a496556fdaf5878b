using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Hosting;

// SKELETON: options binding and /healthz only; telemetry, readiness, TLS and the management
// listener are filled in by the hosting work.
public static class FacteurDefaults
{
    public static WebApplicationBuilder AddFacteurDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<FacteurOptions>()
            .BindConfiguration(FacteurOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHealthChecks();
        return builder;
    }

    public static WebApplication MapFacteurDefaults(this WebApplication app)
    {
        app.MapHealthChecks("/healthz");
        return app;
    }
}
