using System.Net;
using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.MailboxApi.ProxyProtocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Pop3;

/// <summary>POP3 as a module: <c>builder.AddPop3()</c> in any host (mailbox-api, standalone).</summary>
public static class Pop3Module
{
    public static WebApplicationBuilder AddPop3(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Pop3Options>()
            .BindConfiguration(Pop3Options.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddFacteurAccounts();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<LoginThrottle>();
        builder.Services.TryAddSingleton<Pop3Telemetry>();

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var pop3 = context.Configuration.GetSection(Pop3Options.SectionName).Get<Pop3Options>() ?? new Pop3Options();
            var listenAddress = context.Configuration[$"{FacteurOptions.SectionName}:{nameof(FacteurOptions.ListenAddress)}"] ?? "*";
            kestrel.ListenOn(listenAddress, pop3.Port, listen =>
            {
                UseProxyProtocol(listen, pop3);
                listen.UseConnectionHandler<Pop3ConnectionHandler>();
            });
            kestrel.ListenOn(listenAddress, pop3.TlsPort, listen =>
            {
                // The PROXY header comes before the TLS handshake.
                UseProxyProtocol(listen, pop3);
                // Implicit TLS (RFC 8314 §3.3). The certificate is resolved per handshake so the
                // hosting library's IServerCertificate (PEM or self-signed) is the single source.
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificateSelector = (_, _) => kestrel.ApplicationServices.GetRequiredService<IServerCertificate>().Certificate,
                });
                listen.UseConnectionHandler<Pop3ConnectionHandler>();
            });
        });
        return builder;
    }

    private static void UseProxyProtocol(ListenOptions listen, Pop3Options pop3)
    {
        if (pop3.ProxyProtocol)
        {
            var logger = listen.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Facteur.MailboxApi.ProxyProtocol");
            listen.Use(ProxyProtocolMiddleware.Create(pop3.ProxyProtocolTimeout, logger));
        }
    }

}
