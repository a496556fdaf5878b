using Facteur.Hosting;
using Facteur.Hosting.Listening;
using Facteur.Hosting.ProxyProtocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi;

/// <summary>
/// IMAP and POP3 each listen twice: a plain port (upgraded by STARTTLS/STLS) and an implicit-TLS
/// port (RFC 8314 §3.3), both optionally behind a PROXY-protocol header. One place adds both, to
/// <see cref="ConnectionListeners"/> rather than Kestrel (its summary says why).
/// </summary>
internal static class MailboxListeners
{
    /// <param name="name">The plain port's name ("imap"); the TLS port's is the same with an "s".</param>
    public static void Add<TOptions, THandler>(IServiceCollection services, string name)
        where TOptions : class, IMailboxListenerOptions
        where THandler : MailboxConnectionHandler
    {
        services.TryAddSingleton<THandler>();
        services.AddConnectionListener(sp => Listener<TOptions, THandler>(sp, name, implicitTls: false));
        services.AddConnectionListener(sp => Listener<TOptions, THandler>(sp, name + "s", implicitTls: true));
    }

    private static ConnectionListenerOptions Listener<TOptions, THandler>(IServiceProvider services, string name, bool implicitTls)
        where TOptions : class, IMailboxListenerOptions
        where THandler : MailboxConnectionHandler
    {
        var options = services.GetRequiredService<IOptions<TOptions>>().Value;
        var handler = services.GetRequiredService<THandler>();
        ConnectionDelegate application = handler.OnConnectedAsync;
        if (implicitTls)
        {
            application = application.UseImplicitTls(services, handler.TlsFailed);
        }

        if (options.ProxyProtocol)
        {
            // The PROXY header comes before the TLS handshake.
            application = application.UseProxyProtocol(options.ProxyProtocolTimeout, services.GetRequiredService<ILoggerFactory>());
        }

        return new ConnectionListenerOptions
        {
            Name = name,
            ListenAddress = services.GetRequiredService<IOptions<FacteurOptions>>().Value.ListenAddress,
            Port = implicitTls ? options.TlsPort : options.Port,
            Application = application,
        };
    }
}
