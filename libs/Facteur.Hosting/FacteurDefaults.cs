using Facteur.Hosting.Configuration;
using Facteur.Hosting.Health;
using Facteur.Hosting.Listening;
using Facteur.Hosting.Telemetry;
using Facteur.Hosting.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Facteur.Hosting;

/// <summary>
/// What every Facteur service shares: validated options, TLS certificate, OpenTelemetry, and the
/// management listener with /healthz, /readyz and /metrics. Program.cs calls
/// <see cref="AddFacteurDefaults"/> first and <see cref="MapFacteurDefaults"/> right after Build().
/// </summary>
public static class FacteurDefaults
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddFacteurDefaults(this WebApplicationBuilder builder)
    {
        StartFailureExit.Install();

        builder.Services.AddOptions<FacteurOptions>()
            .BindConfiguration(FacteurOptions.SectionName)
            .PostConfigure<IConfiguration>(ReplaceDefaultDomains)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FacteurOptions>, FacteurOptionsValidator>());
        builder.Services.AddOptions<ManagementOptions>()
            .BindConfiguration(ManagementOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<HostingTelemetry>();
        builder.Services.TryAddSingleton<ServerCertificateLoader>();
        builder.Services.TryAddSingleton<IServerCertificate>(services =>
        {
            var certificate = services.GetRequiredService<ServerCertificateLoader>().Load();
            services.GetRequiredService<HostingTelemetry>().Observe(certificate);
            return certificate;
        });

        // Every Kestrel listener of the process: a port the system refuses is then named at start (ListenFailure).
        builder.Services.Configure<SocketTransportOptions>(KestrelBinds.Watch);
        AddManagementListener(builder);
        AddHealth(builder);
        AddOpenTelemetry(builder);
        return builder;
    }

    public static WebApplication MapFacteurDefaults(this WebApplication app)
    {
        // Fail here, before the host starts, so a bad value is one line naming the key (the
        // unhandled-exception hook prints it and exits 78) rather than "Hosting failed to start".
        StartupConfigurationCheck.ThrowIfInvalid(app.Services);

        app.MapHealthChecks(LivenessPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Live),
            ResponseWriter = HealthReportWriter.WriteAsync,
        });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Ready),
            ResponseWriter = HealthReportWriter.WriteAsync,

            // Degraded is not ready: a load balancer should not send mail to a half-connected replica.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapPrometheusScrapingEndpoint(MetricsPath);

        var facteur = app.Services.GetRequiredService<IOptions<FacteurOptions>>().Value;
        var management = app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value;
        HostingLog.ManagementListening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FacteurDefaults)), facteur.ListenAddress, management.Port);
        return app;
    }

    /// <summary>
    /// The only HTTP endpoint of a protocol service. Declaring it explicitly makes Kestrel ignore
    /// its default URLs (localhost:5000, ASPNETCORE_HTTP_PORTS); modules add their TCP listeners
    /// next to it with ConfigureKestrel.
    /// </summary>
    private static void AddManagementListener(WebApplicationBuilder builder)
    {
        // Kestrel's options are built inside Build(), before MapFacteurDefaults can report a bad
        // value: read leniently here and leave the error message to the validation.
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var configuration = context.Configuration;
            var listenAddress = configuration[$"{FacteurOptions.SectionName}:{nameof(FacteurOptions.ListenAddress)}"] ?? new FacteurOptions().ListenAddress;
            var portText = configuration[$"{ManagementOptions.SectionName}:{nameof(ManagementOptions.Port)}"];
            var port = new ManagementOptions().Port;
            if ((portText is null || (int.TryParse(portText, out port) && port is >= 0 and <= 65535)) && ListenAddress.IsValid(listenAddress))
            {
                kestrel.ListenOn("management", listenAddress, port);
            }
        });
    }

    private static void AddHealth(WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<HealthCheckServiceOptions>, BusReadiness>());
    }

    private static void AddOpenTelemetry(WebApplicationBuilder builder)
    {
        var serviceName = FacteurTelemetry.ServiceName(builder.Configuration);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(FacteurTelemetry.FacteurWildcard)
                    .AddSource(FacteurTelemetry.MassTransit)
                    .AddAspNetCoreInstrumentation(aspnet =>
                        // Probes and scrapes every few seconds would drown the traces that matter.
                        aspnet.Filter = context => !IsManagementPath(context.Request.Path))
                    .AddHttpClientInstrumentation();
                if (!FacteurTelemetry.RecordsSpans(builder.Configuration))
                {
                    // Without an OTLP endpoint no span leaves the process, so none is recorded.
                    // The SDK's default sampler (always on) had every span of every message
                    // filled in and tagged for nothing: ≈ 0.05 ms of CPU a message in the
                    // delivery worker alone (bench/results/smtp-rabbit-c1-settings-ab-*). Spans
                    // are still created unrecorded, so trace ids still propagate.
                    tracing.SetSampler(new AlwaysOffSampler());
                }
            })
            .WithMetrics(metrics => metrics
                .AddMeter(FacteurTelemetry.FacteurWildcard)
                .AddMeter(FacteurTelemetry.MassTransit)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        if (FacteurTelemetry.OtlpEnabled(builder.Configuration))
        {
            // Reads OTEL_EXPORTER_OTLP_ENDPOINT/_PROTOCOL/_HEADERS itself, for logs, metrics and traces.
            telemetry.UseOtlpExporter();
        }
    }

    /// <summary>
    /// The binder appends configured list items to the initial value, so Facteur:Domains:0=esp.sn
    /// would give ["localhost", "esp.sn"]: configured domains replace the default instead.
    /// </summary>
    private static void ReplaceDefaultDomains(FacteurOptions options, IConfiguration configuration)
    {
        var section = configuration.GetSection($"{FacteurOptions.SectionName}:{nameof(FacteurOptions.Domains)}");
        if (section.GetChildren().Any())
        {
            options.Domains = section.GetChildren().Select(child => child.Value ?? string.Empty).ToList();
        }
    }

    private static bool IsManagementPath(PathString path) =>
        path.StartsWithSegments(LivenessPath) || path.StartsWithSegments(ReadinessPath) || path.StartsWithSegments(MetricsPath);
}
