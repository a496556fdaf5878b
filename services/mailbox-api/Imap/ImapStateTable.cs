namespace Facteur.MailboxApi.Imap;

/// <summary>Which command is valid in which state (RFC 3501 §6.1–§6.4 and the extensions' own sections).</summary>
internal static class ImapStateTable
{
    private static readonly HashSet<string> AnyState = ["CAPABILITY", "NOOP", "LOGOUT", "ID"];
    private static readonly HashSet<string> NotAuthenticated = ["STARTTLS", "AUTHENTICATE", "LOGIN"];
    private static readonly HashSet<string> Authenticated =
    [
        "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "STATUS",
        "APPEND", "IDLE", "NAMESPACE", "ENABLE", "GETQUOTAROOT", "GETQUOTA", "SETQUOTA", "COMPRESS",
    ];

    private static readonly HashSet<string> Selected = ["CHECK", "CLOSE", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID", "UNSELECT", "SORT", "THREAD"];

    public static bool IsAllowed(ImapState state, string command) =>
        AnyState.Contains(command) || state switch
        {
            ImapState.NotAuthenticated => NotAuthenticated.Contains(command),
            ImapState.Authenticated => Authenticated.Contains(command),
            ImapState.Selected => Authenticated.Contains(command) || Selected.Contains(command),
            _ => false,
        };
}
