using Facteur.MailboxApi.Imap.Mailbox;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 3501 §6.3.3–7).</summary>
internal static class FolderCommands
{
    public static ValueTask<ImapResult> CreateAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var raw = arguments.ReadAstring();
        arguments.ExpectEnd();
        // A trailing separator only says the client means to create children (§6.3.3).
        var name = MailboxPath.Normalize(raw.TrimEnd(MailboxPath.Separator), out var error) ?? throw new ImapNoException(error!, "CANNOT");
        var folders = session.RequireFolders();
        if (folders.Exists(name))
        {
            throw new ImapNoException("Mailbox already exists.", "ALREADYEXISTS");
        }

        folders.Create(name);
        return ValueTask.FromResult(ImapResult.Ok("Create completed."));
    }

    public static ValueTask<ImapResult> DeleteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        arguments.ExpectEnd();
        if (name == "INBOX")
        {
            throw new ImapNoException("INBOX cannot be deleted.", "CANNOT");
        }

        var folders = session.RequireFolders();
        if (!folders.Exists(name))
        {
            throw new ImapNoException("Mailbox does not exist.", "NONEXISTENT");
        }

        if (session.Selected?.Name == name)
        {
            session.Selected = null;
            session.State = ImapState.Authenticated;
        }

        folders.Delete(name);
        return ValueTask.FromResult(ImapResult.Ok("Delete completed."));
    }

    /// <summary>Renaming INBOX moves its messages to the new folder and leaves INBOX empty (§6.3.5).</summary>
    public static async ValueTask<ImapResult> RenameAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var from = MailboxArgument.ReadExisting(arguments, session);
        arguments.Space();
        var to = MailboxArgument.Read(arguments);
        arguments.ExpectEnd();
        var folders = session.RequireFolders();
        if (to == "INBOX" || folders.Exists(to))
        {
            throw new ImapNoException("Target mailbox already exists.", "ALREADYEXISTS");
        }

        if (to.StartsWith(from + MailboxPath.Separator, StringComparison.Ordinal))
        {
            throw new ImapNoException("Cannot rename a mailbox into itself.", "CANNOT");
        }

        if (from == "INBOX")
        {
            var inbox = folders.Open("INBOX");
            var target = folders.Open(to);
            target.EnsureCreated();
            var snapshot = await inbox.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
            foreach (var message in snapshot.Messages)
            {
                var current = inbox.Locate(message);
                if (current is null)
                {
                    continue;
                }

                File.Move(inbox.FullPath(current), Path.Combine(target.Path, current.SubDirectory, current.FileName));
            }

            return ImapResult.Ok("Rename completed.");
        }

        folders.Rename(from, to);
        if (folders.Subscriptions().Contains(from))
        {
            folders.SetSubscribed(from, false);
            folders.SetSubscribed(to, true);
        }

        return ImapResult.Ok("Rename completed.");
    }

    public static ValueTask<ImapResult> SubscribeAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        arguments.ExpectEnd();
        var folders = session.RequireFolders();
        if (request.Name == "SUBSCRIBE" && !folders.Exists(name))
        {
            throw new ImapNoException("Mailbox does not exist.", "NONEXISTENT");
        }

        folders.SetSubscribed(name, request.Name == "SUBSCRIBE");
        return ValueTask.FromResult(ImapResult.Ok());
    }
}
