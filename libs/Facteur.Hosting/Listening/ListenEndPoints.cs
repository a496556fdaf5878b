using System.Net;
using System.Net.Sockets;
using Facteur.Hosting.Configuration;

namespace Facteur.Hosting.Listening;

/// <summary>
/// What <c>Facteur:ListenAddress</c> binds to, the way <see cref="KestrelListenExtensions.ListenOn"/>
/// binds it for Kestrel, so an IMAP port and the management port of one host listen alike.
/// </summary>
internal static class ListenEndPoints
{
    /// <summary>
    /// "*": one dual-stack IPv6 socket (IPv4 clients arrive as ::ffff:a.b.c.d), or IPv4's any
    /// address where the machine has no IPv6. "localhost": 127.0.0.1 and ::1 — 127.0.0.1 alone for
    /// port 0, whose two sockets would get two different ports. Otherwise the one address given.
    /// </summary>
    public static IReadOnlyList<IPEndPoint> For(string listenAddress, int port)
    {
        if (listenAddress == ListenAddress.Any)
        {
            return [new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port)];
        }

        if (string.Equals(listenAddress, ListenAddress.Localhost, StringComparison.OrdinalIgnoreCase))
        {
            return port == 0 || !Socket.OSSupportsIPv6
                ? [new IPEndPoint(IPAddress.Loopback, port)]
                : [new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.IPv6Loopback, port)];
        }

        if (IPAddress.TryParse(listenAddress, out var address))
        {
            return [new IPEndPoint(address, port)];
        }

        throw new FacteurConfigurationException(ListenAddress.Invalid(listenAddress));
    }
}
