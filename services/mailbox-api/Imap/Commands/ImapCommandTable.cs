namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>Command name → handler. Which state allows which command is <see cref="ImapStateTable"/>'s business.</summary>
internal static class ImapCommandTable
{
    private static readonly Dictionary<string, ImapCommandHandler> Handlers = new(StringComparer.Ordinal)
    {
        ["CAPABILITY"] = AnyStateCommands.CapabilityAsync,
        ["NOOP"] = AnyStateCommands.NoopAsync,
        ["LOGOUT"] = AnyStateCommands.LogoutAsync,
        ["ID"] = AnyStateCommands.IdAsync,
        ["STARTTLS"] = AuthCommands.StartTlsAsync,
        ["LOGIN"] = AuthCommands.LoginAsync,
        ["AUTHENTICATE"] = AuthCommands.AuthenticateAsync,
        ["SELECT"] = SelectCommands.SelectAsync,
        ["EXAMINE"] = SelectCommands.SelectAsync,
        ["CREATE"] = FolderCommands.CreateAsync,
        ["DELETE"] = FolderCommands.DeleteAsync,
        ["RENAME"] = FolderCommands.RenameAsync,
        ["SUBSCRIBE"] = FolderCommands.SubscribeAsync,
        ["UNSUBSCRIBE"] = FolderCommands.SubscribeAsync,
        ["LIST"] = ListCommand.ExecuteAsync,
        ["LSUB"] = ListCommand.ExecuteAsync,
        ["STATUS"] = StatusCommand.ExecuteAsync,
        ["APPEND"] = AppendCommand.ExecuteAsync,
        ["NAMESPACE"] = AnyStateCommands.NamespaceAsync,
        ["ENABLE"] = AnyStateCommands.EnableAsync,
        ["IDLE"] = IdleCommand.ExecuteAsync,
        ["GETQUOTAROOT"] = QuotaCommands.GetQuotaRootAsync,
        ["GETQUOTA"] = QuotaCommands.GetQuotaAsync,
        ["SETQUOTA"] = QuotaCommands.SetQuotaAsync,
        ["CHECK"] = AnyStateCommands.CheckAsync,
        ["CLOSE"] = SelectCommands.CloseAsync,
        ["UNSELECT"] = SelectCommands.CloseAsync,
        ["EXPUNGE"] = ExpungeCommand.ExecuteAsync,
        ["SEARCH"] = SearchCommand.ExecuteAsync,
        ["FETCH"] = FetchCommand.ExecuteAsync,
        ["STORE"] = StoreCommand.ExecuteAsync,
        ["COPY"] = CopyCommand.ExecuteAsync,
        ["MOVE"] = CopyCommand.ExecuteAsync,
        ["SORT"] = SortCommand.ExecuteAsync,
        ["THREAD"] = ThreadCommand.ExecuteAsync,
        ["COMPRESS"] = CompressCommand.ExecuteAsync,
        ["UID"] = (_, _, _) => throw new InvalidOperationException("UID is dispatched by the session."),
    };

    public static ImapCommandHandler? Find(string name) => Handlers.GetValueOrDefault(name);
}
