using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Facteur.Hosting.Listening;

/// <summary>
/// A port the system would not give us at start: in use (another mail server still running, a
/// second copy of this one), below 1024 without the privilege, or an address this machine does not
/// have. Like Postfix's "fatal: bind 0.0.0.0 port 25: Address already in use", that is one line
/// and a non-zero exit, not the runtime's stack trace and SIGABRT (exit 134, a core dump where
/// they are on) that an exception out of <c>app.Run()</c> otherwise ends in.
/// </summary>
internal static class ListenFailure
{
    /// <summary>EX_OSERR from sysexits.h: the system refused a resource (here a port) the configuration asks for.</summary>
    public const int ExitCode = 71;

    /// <summary>
    /// True when <paramref name="ex"/> is a refused bind, with one line naming the service and the address:
    /// "Cannot listen for imap on 127.0.0.1:2143: Address already in use". <see cref="ConnectionListeners"/>
    /// (IMAP, POP3) says it so itself; for Kestrel's ports <see cref="KestrelBinds"/> knows the endpoint.
    /// </summary>
    public static bool TryDescribe(Exception ex, out string message)
    {
        // The nearest IOException above the refusal carries the text when it is ours, or Kestrel's for a bind
        // it made before KestrelBinds watched it. An AggregateException's InnerException is its first.
        IOException? wrapper = null;
        for (var current = ex; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SocketException socket when IsRefusal(socket.SocketErrorCode):
                    return Describe(socket, wrapper, out message);
                case AddressInUseException inUse:
                    // Kestrel's "in use", around the socket's own error.
                    return Describe(inUse.InnerException as SocketException, wrapper, out message);
                case IOException io:
                    wrapper = io;
                    break;
            }
        }

        message = string.Empty;
        return false;
    }

    private static bool Describe(SocketException? refusal, IOException? wrapper, out string message)
    {
        if (refusal is not null && KestrelBinds.Describe(refusal) is { } kestrel)
        {
            message = kestrel;
            return true;
        }

        // A bare socket error nobody wrapped or watched may not be a bind at all: the runtime's report stays.
        message = wrapper?.Message.TrimEnd('.') ?? string.Empty;
        return wrapper is not null;
    }

    private static bool IsRefusal(SocketError error) =>
        error is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable;
}
