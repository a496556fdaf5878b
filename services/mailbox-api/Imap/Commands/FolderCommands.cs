using Facteur.MailboxApi.Imap.Mailbox;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>CREATE, DELETE, RENAME (INBOX included: its messages move, it stays), SUBSCRIBE, UNSUBSCRIBE (RFC 3501 §6.3.3–7).</summary>
internal static class FolderCommands
{
    public static async ValueTask<ImapResult> CreateAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var raw = arguments.ReadAstring();
        arguments.ExpectEnd();
        // A trailing separator only says the client means to create children (§6.3.3).
        var name = MailboxPath.Normalize(raw.TrimEnd(MailboxPath.Separator), out var error) ?? throw new ImapNoException(error!, "CANNOT");
        RefuseWildcards(name);
        await session.RequireMailbox().CreateFolderAsync(name, cancellationToken).ConfigureAwait(false);
        return ImapResult.Ok("Create completed.");
    }

    public static async ValueTask<ImapResult> DeleteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        arguments.ExpectEnd();
        if (session.Selected?.Name == name)
        {
            session.Selected = null;
            session.State = ImapState.Authenticated;
        }

        await session.RequireMailbox().DeleteFolderAsync(name, cancellationToken).ConfigureAwait(false);
        return ImapResult.Ok("Delete completed.");
    }

    public static async ValueTask<ImapResult> RenameAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var from = MailboxArgument.Read(arguments);
        arguments.Space();
        var to = MailboxArgument.Read(arguments);
        arguments.ExpectEnd();
        RefuseWildcards(to);
        await session.RequireMailbox().RenameFolderAsync(from, to, cancellationToken).ConfigureAwait(false);

        // The selected mailbox (or a parent of it) was renamed by this session: it no longer exists under
        // the name it was selected by, so the session goes back to authenticated state, as after DELETE,
        // and says so with RFC 7162's [CLOSED]. Renaming INBOX leaves an (empty) INBOX behind (§6.3.5).
        if (session.Selected is { } selected && !from.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            && (selected.Name == from || selected.Name.StartsWith(from + MailboxPath.Separator, StringComparison.Ordinal)))
        {
            session.Reply.Untagged("OK [CLOSED] The selected mailbox was renamed.");
            session.Selected = null;
            session.State = ImapState.Authenticated;
        }

        return ImapResult.Ok("Rename completed.");
    }

    public static async ValueTask<ImapResult> SubscribeAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        arguments.ExpectEnd();
        var mailbox = session.RequireMailbox();
        if (request.Name == "SUBSCRIBE")
        {
            RefuseWildcards(name);
            await mailbox.SubscribeAsync(name, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await mailbox.UnsubscribeAsync(name, cancellationToken).ConfigureAwait(false);
        }

        return ImapResult.Ok();
    }

    private static void RefuseWildcards(string name)
    {
        if (MailboxPath.HasWildcards(name))
        {
            throw new ImapNoException("Mailbox names cannot contain the wildcards % and *.", "CANNOT");
        }
    }
}
