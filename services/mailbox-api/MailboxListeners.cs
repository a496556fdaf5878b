using Facteur.Hosting;
using Facteur.Hosting.ProxyProtocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi;

/// <summary>
/// IMAP and POP3 each listen twice: a plain port (upgraded by STARTTLS/STLS) and an implicit-TLS
/// port (RFC 8314 §3.3), both optionally behind a PROXY-protocol header. One place binds both.
/// </summary>
internal static class MailboxListeners
{
    public static void Listen<THandler>(
        KestrelServerOptions kestrel,
        IConfiguration configuration,
        int plainPort,
        int tlsPort,
        bool proxyProtocol,
        TimeSpan proxyProtocolTimeout)
        where THandler : ConnectionHandler
    {
        var listenAddress = configuration[$"{FacteurOptions.SectionName}:{nameof(FacteurOptions.ListenAddress)}"] ?? "*";
        kestrel.ListenOn(listenAddress, plainPort, listen =>
        {
            UseProxyProtocol(listen, proxyProtocol, proxyProtocolTimeout);
            listen.UseConnectionHandler<THandler>();
        });
        kestrel.ListenOn(listenAddress, tlsPort, listen =>
        {
            // The PROXY header comes before the TLS handshake.
            UseProxyProtocol(listen, proxyProtocol, proxyProtocolTimeout);
            // The certificate is resolved per handshake, so the hosting library's IServerCertificate
            // (PEM or self-signed) stays the single source and a renewed one is picked up.
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificateSelector = (_, _) => kestrel.ApplicationServices.GetRequiredService<IServerCertificate>().Certificate,
            });
            listen.UseConnectionHandler<THandler>();
        });
    }

    private static void UseProxyProtocol(ListenOptions listen, bool enabled, TimeSpan timeout)
    {
        if (enabled)
        {
            listen.UseProxyProtocol(timeout);
        }
    }
}
