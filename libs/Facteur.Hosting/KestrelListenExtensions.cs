using System.Net;
using Facteur.Hosting.Configuration;
using Facteur.Hosting.Listening;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Facteur.Hosting;

/// <summary>Binds a Kestrel endpoint the way <c>Facteur:ListenAddress</c> says, for every Kestrel listener (SMTP, the webmail, the edge, management).</summary>
public static class KestrelListenExtensions
{
    /// <param name="service">What listens ("smtp", "webmail"…): how a port the system refuses is named at start.</param>
    /// <param name="listenAddress">"*" (every address, dual-stack), "localhost" (127.0.0.1 and ::1), or one IP address.</param>
    /// <param name="port">TCP port; 0 lets the OS choose (with "localhost", 127.0.0.1 is used then).</param>
    public static void ListenOn(this KestrelServerOptions kestrel, string service, string listenAddress, int port, Action<ListenOptions>? configure = null)
    {
        configure ??= static _ => { };
        KestrelBinds.Name(port, service);
        if (listenAddress == ListenAddress.Any)
        {
            kestrel.ListenAnyIP(port, configure);
        }
        else if (string.Equals(listenAddress, ListenAddress.Localhost, StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel cannot bind "localhost" to a dynamic port (it would be two different ports).
            if (port == 0)
            {
                kestrel.Listen(IPAddress.Loopback, port, configure);
            }
            else
            {
                kestrel.ListenLocalhost(port, configure);
            }
        }
        else if (IPAddress.TryParse(listenAddress, out var address))
        {
            kestrel.Listen(address, port, configure);
        }
        else
        {
            throw new FacteurConfigurationException(ListenAddress.Invalid(listenAddress));
        }
    }
}
