using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Facteur.SmtpGateway.Session;

/// <summary>Kestrel's entry point for every SMTP listener: limits per client, then one <see cref="SmtpSession"/>.</summary>
internal sealed class SmtpConnectionHandler(SmtpSessionDependencies dependencies) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var listener = connection.Features.Get<SmtpListenerFeature>()?.Kind ?? SmtpListenerKind.Mx;
        var client = ClientAddress(connection.RemoteEndPoint);
        var implicitTls = connection.Features.Get<ITlsHandshakeFeature>() is not null;
        var logger = dependencies.Logger;

        // The webmail carries every user's sending: its sessions are not counted as one client's (Postfix
        // exempts $mynetworks the same way, smtpd_client_event_limit_exceptions).
        var trusted = await dependencies.TrustedPeers.IsTrustedAsync(client, connection.ConnectionClosed);
        if (!trusted && !dependencies.ConnectionLimiter.TryAcquire(client))
        {
            SmtpLog.TooManyConnections(logger, client);
            dependencies.Telemetry.Rejected("too_many_connections");
            var writer = new SmtpReplyWriter(connection.Transport.Output);
            writer.Write(SmtpReplies.TooManyConnections);
            try
            {
                await writer.FlushAsync(connection.ConnectionClosed);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionResetException)
            {
                // gone already
            }

            return;
        }

        dependencies.Telemetry.SessionsOpen.Add(1);
        SmtpLog.SessionOpened(logger, client, listener);
        try
        {
            await using var session = new SmtpSession(connection, listener, client, trusted, implicitTls, dependencies);
            await session.RunAsync(connection.ConnectionClosed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Promise 4: a bug in one session must not take the listener down; it is logged loudly.
            SmtpLog.SessionFailed(logger, e, client);
        }
        finally
        {
            if (!trusted)
            {
                dependencies.ConnectionLimiter.Release(client);
            }

            dependencies.Telemetry.SessionsOpen.Add(-1);
            SmtpLog.SessionClosed(logger, client);
        }
    }

    /// <summary>The client's address; IPv4 clients of a dual-stack socket are shown as IPv4.</summary>
    private static IPAddress ClientAddress(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint { Address.IsIPv4MappedToIPv6: true } ip => ip.Address.MapToIPv4(),
        IPEndPoint ip => ip.Address,
        _ => IPAddress.None,
    };
}
