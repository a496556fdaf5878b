using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Facteur.Hosting.ProxyProtocol;

/// <summary>
/// A connection middleware (Kestrel's and <see cref="Listening.ConnectionListeners"/>') for listeners behind a load balancer (SMTP, IMAP and POP3 all use
/// this one): reads the PROXY header before anything else — before the TLS handshake on
/// implicit-TLS ports, before the banner everywhere — and replaces the connection's endpoints with
/// the real client's, so relay control, rate limits, Received and logs see it (DESIGN.md promise 5).
/// A connection without a valid header within the timeout is closed without a word: the peer is
/// not speaking the protocol we were told to expect.
/// </summary>
public static class ProxyProtocolMiddleware
{
    /// <summary>Expects a PROXY v1 or v2 header first on every connection of <paramref name="listen"/>.</summary>
    public static ListenOptions UseProxyProtocol(this ListenOptions listen, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var logger = listen.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Facteur.ProxyProtocol");
        listen.Use(Create(timeout, logger));
        return listen;
    }

    /// <summary>The same for a port of <see cref="Listening.ConnectionListeners"/>: <paramref name="next"/> runs once the header is read.</summary>
    public static ConnectionDelegate UseProxyProtocol(this ConnectionDelegate next, TimeSpan timeout, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        return Create(timeout, loggers.CreateLogger("Facteur.ProxyProtocol"))(next);
    }

    internal static Func<ConnectionDelegate, ConnectionDelegate> Create(TimeSpan timeout, ILogger logger) => next => async connection =>
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        cts.CancelAfter(timeout);
        var input = connection.Transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var status = ProxyHeaderParser.TryParse(ref buffer, out var header);
                if (status == ProxyParseStatus.Parsed)
                {
                    input.AdvanceTo(buffer.Start);
                    if (header.Source is not null)
                    {
                        connection.RemoteEndPoint = header.Source;
                        connection.LocalEndPoint = header.Destination;
                    }

                    break;
                }

                if (status == ProxyParseStatus.Invalid || result.IsCompleted)
                {
                    input.AdvanceTo(buffer.End);
                    HostingLog.ProxyHeaderRejected(logger, connection.ConnectionId, connection.RemoteEndPoint?.ToString());
                    return;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            HostingLog.ProxyHeaderRejected(logger, connection.ConnectionId, connection.RemoteEndPoint?.ToString());
            return;
        }

        await next(connection).ConfigureAwait(false);
    };
}
