using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.ProxyProtocol;

/// <summary>
/// A Kestrel connection middleware for listeners behind a load balancer: reads the PROXY header
/// before anything else (before the TLS handshake on implicit-TLS ports) and replaces the
/// connection's remote endpoint with the real client, so rate limits and logs see it
/// (DESIGN.md promise 5). A connection without a valid header within the timeout is closed.
/// Written for POP3 here; the SMTP gateway has its own, to be shared later.
/// </summary>
internal static partial class ProxyProtocolMiddleware
{
    public static Func<ConnectionDelegate, ConnectionDelegate> Create(TimeSpan timeout, ILogger logger) => next => async connection =>
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

                if (status == ProxyParseStatus.Invalid || result.IsCompleted || buffer.Length > 16 + 2048)
                {
                    input.AdvanceTo(buffer.End);
                    LogRejected(logger, connection.ConnectionId);
                    return;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            LogRejected(logger, connection.ConnectionId);
            return;
        }

        await next(connection).ConfigureAwait(false);
    };

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Connection {ConnectionId} closed: no valid PROXY protocol header")]
    private static partial void LogRejected(ILogger logger, string connectionId);
}
