using System.Net;
using Facteur.SmtpGateway.Framing;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Facteur.SmtpGateway;

/// <summary>
/// Reads the PROXY header first thing on a proxied listener — before TLS on the implicit-TLS port,
/// before the banner everywhere — and makes its source the connection's RemoteEndPoint, which is
/// what relay control, limits, Received and logs then use. A malformed or late header closes the
/// connection without a word (the peer is not speaking the protocol we were told to expect).
/// </summary>
internal static class ProxyProtocolMiddleware
{
    public static Func<ConnectionDelegate, ConnectionDelegate> Create(TimeSpan timeout, ILogger logger) => next => async connection =>
    {
        var input = connection.Transport.Input;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        deadline.CancelAfter(timeout);
        while (true)
        {
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                SmtpLog.BadProxyHeader(logger, connection.RemoteEndPoint?.ToString());
                return;
            }

            var buffer = result.Buffer;
            var status = ProxyHeaderParser.TryParse(buffer, out var source, out var consumed);
            if (status == ProxyHeaderStatus.Complete)
            {
                input.AdvanceTo(consumed);
                if (source is not null)
                {
                    connection.RemoteEndPoint = source;
                }

                break;
            }

            if (status == ProxyHeaderStatus.Invalid || result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                SmtpLog.BadProxyHeader(logger, connection.RemoteEndPoint?.ToString());
                return;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }

        await next(connection);
    };
}
