namespace Facteur.Webmail;

/// <summary>Log events of the webmail. Never a password: only the account name and the reason.</summary>
internal static partial class WebmailLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Webmail login for {Account}")]
    public static partial void LoggedIn(ILogger logger, string account);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Webmail login refused for {Account}: {Reason}")]
    public static partial void LoginRefused(ILogger logger, string account, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Message sent by {Account} to {RecipientCount} recipients")]
    public static partial void MessageSent(ILogger logger, string account, int recipientCount);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "IMAP connection for {Account} failed: {Reason}")]
    public static partial void ImapFailed(ILogger logger, string account, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Webmail listening on port {Port}")]
    public static partial void Listening(ILogger logger, int port);
}
