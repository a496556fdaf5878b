using System.Net;
using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.Hosting.ProxyProtocol;
using Facteur.SmtpGateway.Inbound;
using Facteur.SmtpGateway.Intake;
using Facteur.SmtpGateway.Session;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway;

/// <summary>The gateway as a module: the standalone host and the gateway's own Program.cs both call this.</summary>
public static class SmtpGatewayModule
{
    /// <summary>
    /// Adds the three SMTP listeners (Smtp:Port, SubmissionPort, SubmissionsPort on
    /// Facteur:ListenAddress) and everything a session needs. Expects in DI, from other modules:
    /// <see cref="IRecipientResolver"/> and <see cref="IPasswordAuthenticator"/> (AddFacteurAccounts),
    /// <see cref="IMailIntake"/> (AddMailIntake) and, for TLS, <see cref="IServerCertificate"/>
    /// (AddFacteurDefaults).
    /// </summary>
    public static WebApplicationBuilder AddSmtpGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // AddFacteurDefaults binds the Facteur section; bind it here only when it did not (a host of
        // the gateway alone, as in its tests). Binding twice would append list items (Domains) twice.
        if (!services.Any(d => d.ServiceType == typeof(IConfigureOptions<FacteurOptions>)))
        {
            services.AddOptions<FacteurOptions>()
                .BindConfiguration(FacteurOptions.SectionName)
                .ValidateDataAnnotations()
                .ValidateOnStart();
        }

        services.AddMetrics();
        services.AddSingleton<SmtpTelemetry>();
        services.AddSingleton<ConnectionLimiter>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SmtpTrustedPeers>();
        services.AddSingleton<AuthFailureTracker>();
        services.AddSingleton<SmtpSessionDependencies>();
        services.AddInboundAuthentication();
        services.AddSingleton<SmtpListeners>();
        services.AddFacteurAccounts();

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var provider = kestrel.ApplicationServices;
            var smtp = provider.GetRequiredService<IOptions<SmtpOptions>>().Value;
            var facteur = provider.GetRequiredService<IOptions<FacteurOptions>>().Value;
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Facteur.SmtpGateway");
            var listeners = provider.GetRequiredService<SmtpListeners>();
            Listen(kestrel, facteur.ListenAddress, smtp.Port, SmtpListenerKind.Mx, smtp, listeners, logger);
            Listen(kestrel, facteur.ListenAddress, smtp.SubmissionPort, SmtpListenerKind.Submission, smtp, listeners, logger);
            Listen(kestrel, facteur.ListenAddress, smtp.SubmissionsPort, SmtpListenerKind.Submissions, smtp, listeners, logger);
        });

        builder.AddMailIntake();
        return builder;
    }

    private static void Listen(
        KestrelServerOptions kestrel,
        string listenAddress,
        int port,
        SmtpListenerKind kind,
        SmtpOptions smtp,
        SmtpListeners listeners,
        ILogger logger)
    {
        void Configure(ListenOptions listen)
        {
            var proxied = smtp.IsProxied(kind);
            if (proxied)
            {
                // First, before TLS: a balancer sends the PROXY header in the clear.
                listen.UseProxyProtocol(smtp.ProxyProtocolTimeout);
            }

            if (kind == SmtpListenerKind.Submissions)
            {
                // RFC 8314 implicit TLS. The certificate is looked up per handshake so a renewed one is picked up.
                var certificates = listen.ApplicationServices.GetRequiredService<IServerCertificate>();
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificateSelector = (_, _) => certificates.Certificate,
                });
            }

            var feature = new SmtpListenerFeature(kind);
            listen.Use(next => connection =>
            {
                connection.Features.Set(feature);
                return next(connection);
            });
            listen.UseConnectionHandler<SmtpConnectionHandler>();
            listeners.Add(kind, listen);
            SmtpLog.Listening(logger, kind, $"{listenAddress}:{port}", kind == SmtpListenerKind.Submissions ? " (TLS)" : "", proxied ? " (PROXY)" : "");
        }

        // IANA's service names for 25, 587 (RFC 6409) and 465 (RFC 8314 §7.3), as "imap"/"imaps" for the mailbox ports.
        var service = kind switch
        {
            SmtpListenerKind.Submission => "submission",
            SmtpListenerKind.Submissions => "submissions",
            _ => "smtp",
        };
        kestrel.ListenOn(service, listenAddress, port, Configure);
    }
}
