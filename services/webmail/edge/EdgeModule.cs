using Facteur.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace Facteur.Edge;

/// <summary>
/// The HTTP front of Facteur: YARP routes (section <c>ReverseProxy</c>) to the webmail replicas
/// with health checks and load balancing, TLS termination when a certificate is configured
/// (then HTTP→HTTPS redirect and HSTS), a per-address limit on login attempts, and client
/// auto-configuration.
/// </summary>
public static class EdgeModule
{
    public static WebApplicationBuilder AddEdge(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EdgeOptions>()
            .BindConfiguration(EdgeOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<MailClientPorts>();

        // Keep the Host the browser asked for (mail.<domain>): the webmail builds its redirects and
        // cookie scope from it. X-Forwarded-For/-Proto/-Host are added by YARP's defaults.
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddTransforms(transforms => transforms.AddOriginalHost(true));

        builder.Services.AddHsts(options =>
        {
            options.MaxAge = builder.Configuration.GetSection(EdgeOptions.SectionName).Get<EdgeOptions>()?.HstsMaxAge ?? TimeSpan.FromDays(365);
            options.IncludeSubDomains = false;
        });

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var configuration = context.Configuration;
            var listenAddress = configuration["Facteur:ListenAddress"] ?? new FacteurOptions().ListenAddress;
            var edge = configuration.GetSection(EdgeOptions.SectionName).Get<EdgeOptions>() ?? new EdgeOptions();
            kestrel.ListenOn("http", listenAddress, edge.Port);

            // The webmail decides what is too big (and says so in the user's language): let
            // anything it would answer itself through (its own hard cap is the same).
            var max = long.TryParse(configuration["Facteur:MaxMessageSize"], out var configured) ? configured : new FacteurOptions().MaxMessageSize;
            kestrel.Limits.MaxRequestBodySize = (max * 2 + 2 * 1024 * 1024) * 4;
            if (TlsConfigured(configuration))
            {
                kestrel.ListenOn("https", listenAddress, edge.HttpsPort, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificateSelector = (_, _) => kestrel.ApplicationServices.GetRequiredService<IServerCertificate>().Certificate,
                }));
            }
        });

        if (TlsConfigured(builder.Configuration))
        {
            builder.Services.AddHttpsRedirection(options =>
            {
                options.HttpsPort = builder.Configuration.GetSection(EdgeOptions.SectionName).Get<EdgeOptions>()?.HttpsPort ?? 443;
                options.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
            });
        }

        return builder;
    }

    public static WebApplication MapEdge(this WebApplication app)
    {
        if (TlsConfigured(app.Configuration))
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        app.UseLoginPostLimit(services => services.GetRequiredService<IOptions<EdgeOptions>>().Value.LoginRequestsPerMinute);
        app.MapClientAutoconfig();
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(RetryOnAnotherDestination.InvokeAsync);
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    private static bool TlsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["Facteur:Tls:CertificatePath"]);
}
