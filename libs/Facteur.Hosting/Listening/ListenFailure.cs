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
    /// True when <paramref name="ex"/> is a bind failure, with the message that names the service and
    /// the address: ours ("Cannot listen for imap on 127.0.0.1:2143: Address already in use") or
    /// Kestrel's ("Failed to bind to address http://127.0.0.1:2525: address already in use.").
    /// </summary>
    public static bool TryDescribe(Exception ex, out string message)
    {
        // An AggregateException's InnerException is its first: the walk goes through it too.
        for (var current = ex; current is not null; current = current.InnerException)
        {
            if (current is IOException io && IsBindRefusal(io.InnerException))
            {
                message = io.Message.TrimEnd('.');
                return true;
            }
        }

        message = string.Empty;
        return false;
    }

    private static bool IsBindRefusal(Exception? ex) => ex switch
    {
        AddressInUseException => true,
        SocketException socket => socket.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable,
        null => false,
        _ => IsBindRefusal(ex.InnerException),
    };
}
