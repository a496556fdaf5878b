using System.Net;
using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.MailboxApi.ProxyProtocol;
using Facteur.MailStore.Index;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Imap;

/// <summary>IMAP as a module: <c>builder.AddImap()</c> in any host (mailbox-api, standalone).</summary>
public static class ImapModule
{
    public static WebApplicationBuilder AddImap(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImapOptions>()
            .BindConfiguration(ImapOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddFacteurAccounts();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ImapLoginThrottle>();
        builder.Services.TryAddSingleton<ImapConnectionLimiter>();
        builder.Services.TryAddSingleton<ImapTelemetry>();
        builder.Services.AddMessageStore(sp => sp.GetRequiredService<IOptions<FacteurOptions>>().Value.MailRoot);

        builder.ConfigureFacteurBus(x => x.AddConsumer<MailDeliveredConsumer, MailDeliveredConsumerDefinition>());

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var imap = context.Configuration.GetSection(ImapOptions.SectionName).Get<ImapOptions>() ?? new ImapOptions();
            var listenAddress = context.Configuration[$"{FacteurOptions.SectionName}:{nameof(FacteurOptions.ListenAddress)}"] ?? "*";
            kestrel.ListenOn(listenAddress, imap.Port, listen =>
            {
                UseProxyProtocol(listen, imap);
                listen.UseConnectionHandler<ImapConnectionHandler>();
            });
            kestrel.ListenOn(listenAddress, imap.TlsPort, listen =>
            {
                // The PROXY header comes before the TLS handshake.
                UseProxyProtocol(listen, imap);
                // Implicit TLS (RFC 8314 §3.3) with the hosting library's certificate, resolved per handshake.
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificateSelector = (_, _) => kestrel.ApplicationServices.GetRequiredService<IServerCertificate>().Certificate,
                });
                listen.UseConnectionHandler<ImapConnectionHandler>();
            });
        });
        return builder;
    }

    private static void UseProxyProtocol(ListenOptions listen, ImapOptions imap)
    {
        if (imap.ProxyProtocol)
        {
            var logger = listen.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Facteur.MailboxApi.ProxyProtocol");
            listen.Use(ProxyProtocolMiddleware.Create(imap.ProxyProtocolTimeout, logger));
        }
    }

}
