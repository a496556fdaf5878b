using System.Net;
using Microsoft.Extensions.Logging;

namespace Facteur.SmtpGateway;

/// <summary>The gateway's log events. Never a password, never message content.</summary>
internal static partial class SmtpLog
{
    [LoggerMessage(1, LogLevel.Debug, "SMTP session opened from {Client} on {Listener}")]
    public static partial void SessionOpened(ILogger logger, IPAddress client, SmtpListenerKind listener);

    [LoggerMessage(2, LogLevel.Debug, "SMTP session from {Client} closed")]
    public static partial void SessionClosed(ILogger logger, IPAddress client);

    [LoggerMessage(3, LogLevel.Information, "Accepted {QueueId} from {Client}: {Size} octets, {Recipients} recipient(s)")]
    public static partial void MessageAccepted(ILogger logger, string queueId, IPAddress client, long size, int recipients);

    [LoggerMessage(4, LogLevel.Information, "Rejected {QueueId} from {Client}: {Reason}")]
    public static partial void MessageRejected(ILogger logger, string? queueId, IPAddress client, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Intake unavailable for {QueueId} from {Client}; answered 451")]
    public static partial void IntakeUnavailable(ILogger logger, Exception exception, string queueId, IPAddress client);

    [LoggerMessage(6, LogLevel.Information, "Too many connections from {Client}")]
    public static partial void TooManyConnections(ILogger logger, IPAddress client);

    [LoggerMessage(7, LogLevel.Information, "Closing session from {Client}: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, IPAddress client, string reason);

    [LoggerMessage(8, LogLevel.Information, "Timeout in session from {Client}")]
    public static partial void Timeout(ILogger logger, IPAddress client);

    [LoggerMessage(9, LogLevel.Information, "AUTH succeeded for {User} from {Client}")]
    public static partial void AuthSucceeded(ILogger logger, string user, IPAddress client);

    [LoggerMessage(10, LogLevel.Warning, "AUTH failed from {Client} (mechanism {Mechanism})")]
    public static partial void AuthFailed(ILogger logger, IPAddress client, string mechanism);

    [LoggerMessage(12, LogLevel.Information, "TLS handshake failed with {Client}")]
    public static partial void TlsFailed(ILogger logger, Exception exception, IPAddress client);

    [LoggerMessage(13, LogLevel.Debug, "Connection from {Client} ended: {Message}")]
    public static partial void ConnectionLost(ILogger logger, IPAddress client, string message);

    [LoggerMessage(14, LogLevel.Error, "Unexpected error in session from {Client}")]
    public static partial void SessionFailed(ILogger logger, Exception exception, IPAddress client);

    [LoggerMessage(15, LogLevel.Information, "SMTP {Listener} listener on {EndPoint}{Tls}{Proxy}")]
    public static partial void Listening(ILogger logger, SmtpListenerKind listener, string endPoint, string tls, string proxy);

    [LoggerMessage(16, LogLevel.Debug, "XCLIENT from {Peer}: the session's client is now {Client}")]
    public static partial void ClientNamed(ILogger logger, IPAddress peer, IPAddress client);

    // Debug, not Warning: the standalone host trusts nobody by default, so its own webmail is refused on every
    // send (and goes on under its own address); the 550 already tells the client.
    [LoggerMessage(17, LogLevel.Debug, "XCLIENT refused: {Peer} is not in Smtp:TrustedNetworks or Smtp:TrustedHosts")]
    public static partial void XclientRefused(ILogger logger, IPAddress peer);
}
