using Microsoft.Extensions.Logging;

namespace Facteur.Accounts;

internal static partial class AccountsLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "{Kind} file {Path} does not exist: treated as empty")]
    public static partial void FileMissing(ILogger logger, string kind, string path);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "{Kind} file {Path} could not be read; keeping the previous contents")]
    public static partial void FileUnreadable(ILogger logger, string kind, string path, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Loaded {Kind} file {Path}: {Count} entries")]
    public static partial void FileLoaded(ILogger logger, string kind, string path, int count);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "{Kind} file {Path}, line {Line}: {Problem}")]
    public static partial void LineRejected(ILogger logger, string kind, string path, int line, string problem);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Password of {User} uses scheme {Scheme}, which Facteur does not support: authentication fails")]
    public static partial void UnknownScheme(ILogger logger, string user, string scheme);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Password hash of {User} is malformed ({Scheme}): authentication fails")]
    public static partial void MalformedHash(ILogger logger, string user, string scheme);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Debug, Message = "Authentication of {User} failed: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string user, string reason);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "Alias expansion of {Address} loops back to {Target}; the loop is cut there")]
    public static partial void AliasLoop(ILogger logger, string address, string target);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Alias expansion of {Address} is deeper than {Limit} levels; the rest is dropped")]
    public static partial void AliasTooDeep(ILogger logger, string address, int limit);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "Alias expansion of {Address} reached {Limit} targets; the rest is dropped")]
    public static partial void AliasTooWide(ILogger logger, string address, int limit);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning, Message = "Alias {Alias} forwards to {Target}, which is neither a user nor an alias of a local domain")]
    public static partial void AliasTargetUnknown(ILogger logger, string alias, string target);
}
