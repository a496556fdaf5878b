using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Facteur.Hosting.Listening;

/// <summary>
/// What <see cref="ListenFailure"/> needs to know about the ports Kestrel binds (SMTP, the webmail, the
/// edge, management): the service behind each port, and the endpoint of each bind the system refused.
/// Kestrel says neither. Its "in use" error calls every endpoint "http://…", the SMTP ports too, and any
/// other refusal (below 1024 without the privilege, an address the machine does not have) comes out as a
/// bare <see cref="SocketException"/> with no address at all. Process-wide, as the handler that reads it is.
/// </summary>
internal static class KestrelBinds
{
    private static readonly ConcurrentDictionary<int, string> Services = new();
    private static readonly ConditionalWeakTable<SocketException, EndPoint> Refused = new();

    /// <summary>Names the service on <paramref name="port"/>; port 0 (the system's pick) cannot be told apart and is not kept.</summary>
    public static void Name(int port, string service)
    {
        if (port != 0)
        {
            Services[port] = service;
        }
    }

    /// <summary>
    /// Makes Kestrel's listen sockets through a wrapper that remembers the endpoint of a refused bind. The
    /// exception goes on unchanged, so Kestrel still decides as before: "*" falls back from [::] to 0.0.0.0 on
    /// a machine without IPv6, "localhost" does with one of ::1 and 127.0.0.1, and "in use" is its own error.
    /// </summary>
    public static void Watch(SocketTransportOptions options)
    {
        var bind = options.CreateBoundListenSocket;
        options.CreateBoundListenSocket = endpoint =>
        {
            try
            {
                return bind(endpoint);
            }
            catch (SocketException refused)
            {
                Refused.AddOrUpdate(refused, endpoint);
                throw;
            }
        };
    }

    /// <summary>"Cannot listen for smtp on 0.0.0.0:25: Permission denied" for a refusal <see cref="Watch"/> saw; null for any other.</summary>
    public static string? Describe(SocketException refusal)
    {
        if (!Refused.TryGetValue(refusal, out var endpoint))
        {
            return null;
        }

        var service = endpoint is IPEndPoint ip && Services.TryGetValue(ip.Port, out var name) ? $" for {name}" : "";
        return $"Cannot listen{service} on {endpoint}: {refusal.Message}";
    }
}
