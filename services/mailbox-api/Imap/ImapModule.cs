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

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var imap = context.Configuration.GetSection(ImapOptions.SectionName).Get<ImapOptions>() ?? new ImapOptions();
            var listenAddress = context.Configuration[$"{FacteurOptions.SectionName}:{nameof(FacteurOptions.ListenAddress)}"] ?? "*";
            Listen(kestrel, listenAddress, imap.Port, listen =>
            {
                UseProxyProtocol(listen, imap);
                listen.UseConnectionHandler<ImapConnectionHandler>();
            });
            Listen(kestrel, listenAddress, imap.TlsPort, listen =>
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

    private static void Listen(KestrelServerOptions kestrel, string listenAddress, int port, Action<ListenOptions> configure)
    {
        if (listenAddress == "*")
        {
            kestrel.ListenAnyIP(port, configure);
        }
        else if (string.Equals(listenAddress, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.Listen(IPAddress.Loopback, port, configure);
        }
        else if (IPAddress.TryParse(listenAddress, out var address))
        {
            kestrel.Listen(address, port, configure);
        }
        else
        {
            throw new InvalidOperationException($"Facteur:ListenAddress must be '*', 'localhost' or an IP address (got '{listenAddress}')");
        }
    }
}
