using System.Net;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Pop3;

internal static partial class Pop3Log
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "POP3 session {ConnectionId} from {Remote} opened (tls: {Tls})")]
    public static partial void SessionOpened(ILogger logger, string connectionId, IPAddress? remote, bool tls);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "POP3 session {ConnectionId} closed: {Reason}")]
    public static partial void SessionClosed(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "POP3 login of {User} from {Remote}")]
    public static partial void LoggedIn(ILogger logger, string user, IPAddress? remote);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "POP3 failed login from {Remote} ({Failures} recent failures)")]
    public static partial void LoginFailed(ILogger logger, IPAddress? remote, int failures);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "POP3 maildrop of {User} is in use by another session")]
    public static partial void MaildropInUse(ILogger logger, string user);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "POP3 maildrop of {User} could not be opened")]
    public static partial void MaildropFailed(ILogger logger, Exception exception, string user);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "POP3 update of {User}: {Deleted} deleted, {Failed} not removed")]
    public static partial void Updated(ILogger logger, string user, int deleted, int failed);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "POP3 session {ConnectionId} failed")]
    public static partial void SessionFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "POP3 TLS handshake failed on {ConnectionId}")]
    public static partial void TlsFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "POP3 maildrop {Path} listed from {Source} ({Messages} messages, {ElapsedMs} ms)")]
    public static partial void MaildropListed(ILogger logger, string path, string source, int messages, double elapsedMs);
}
