using System.Net;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Imap;

internal static partial class ImapLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "IMAP session {ConnectionId} opened from {Remote} (TLS: {Tls})")]
    public static partial void SessionOpened(ILogger logger, string connectionId, IPAddress? remote, bool tls);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "IMAP session {ConnectionId} closed: {Reason}")]
    public static partial void SessionClosed(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "IMAP session {ConnectionId} failed")]
    public static partial void SessionFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "IMAP login of {User} from {Remote}")]
    public static partial void LoggedIn(ILogger logger, string user, IPAddress? remote);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "IMAP login failed from {Remote} ({Count} recent failures)")]
    public static partial void LoginFailed(ILogger logger, IPAddress? remote, int count);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "IMAP TLS handshake failed on {ConnectionId}")]
    public static partial void TlsFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "IMAP command {Command} failed on the store")]
    public static partial void StoreFailed(ILogger logger, Exception exception, string command);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug, Message = "IMAP {ConnectionId}: trusted peer {Peer} speaks for client {Client}")]
    public static partial void ClientNamedByTrustedPeer(ILogger logger, string connectionId, IPAddress? peer, IPAddress client);
}
