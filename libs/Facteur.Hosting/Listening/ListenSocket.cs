using System.Net;
using System.Net.Sockets;

namespace Facteur.Hosting.Listening;

/// <summary>One bound, listening socket.</summary>
internal static class ListenSocket
{
    // Kestrel's default; a burst of connections beyond it waits in the client's SYN retries.
    private const int Backlog = 512;

    /// <summary>
    /// Binds and listens. An IPv6 any-address socket is dual-stack; where the kernel refuses IPv6
    /// (a container with it disabled) the any-address falls back to IPv4's, as Kestrel's does.
    /// </summary>
    public static Socket Bind(IPEndPoint endPoint)
    {
        try
        {
            return BindExactly(endPoint);
        }
        catch (SocketException exception) when (endPoint.Address.Equals(IPAddress.IPv6Any)
            && exception.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
        {
            return BindExactly(new IPEndPoint(IPAddress.Any, endPoint.Port));
        }
    }

    private static Socket BindExactly(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endPoint);
            socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
