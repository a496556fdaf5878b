using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>SELECT/EXAMINE (RFC 3501 §6.3.1–2), CLOSE (§6.4.2) and UNSELECT (RFC 3691).</summary>
internal static class SelectCommands
{
    public static async ValueTask<ImapResult> SelectAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        arguments.ExpectEnd();

        // A failed SELECT leaves the session unselected (§6.3.1).
        session.Selected = null;
        if (session.State == ImapState.Selected)
        {
            session.State = ImapState.Authenticated;
        }

        var folders = session.RequireFolders();
        if (!folders.Exists(name))
        {
            throw new ImapNoException("Mailbox does not exist.", "NONEXISTENT");
        }

        var readOnly = request.Name == "EXAMINE";
        var mailbox = await SelectedMailbox.OpenAsync(name, folders.Open(name), readOnly, cancellationToken).ConfigureAwait(false);
        var reply = session.Reply;
        reply.Untagged($"FLAGS ({ImapFlags.Permanent})");
        reply.Untagged($"{mailbox.Count} EXISTS");
        reply.Untagged("0 RECENT");
        var firstUnseen = mailbox.Messages.FindIndex(m => !m.Message.Flags.HasFlag(MaildirFlags.Seen));
        if (firstUnseen >= 0)
        {
            reply.Untagged($"OK [UNSEEN {firstUnseen + 1}] First unseen.");
        }

        reply.Untagged($"OK [UIDVALIDITY {mailbox.UidValidity}] UIDs valid.");
        reply.Untagged($"OK [UIDNEXT {mailbox.NextUid}] Predicted next UID.");
        reply.Untagged(readOnly ? "OK [PERMANENTFLAGS ()] Read-only mailbox." : $"OK [PERMANENTFLAGS ({ImapFlags.Permanent})] Limited.");
        session.Selected = mailbox;
        session.State = ImapState.Selected;
        return new ImapResult(readOnly ? "[READ-ONLY] Examined." : "[READ-WRITE] Selected.") { Refresh = false };
    }

    /// <summary>CLOSE expunges silently when read-write; UNSELECT never expunges.</summary>
    public static ValueTask<ImapResult> CloseAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        var mailbox = session.RequireSelected();
        if (request.Name == "CLOSE" && !mailbox.ReadOnly)
        {
            foreach (var message in mailbox.Messages.Where(m => m.Message.Flags.HasFlag(MaildirFlags.Trashed)).ToList())
            {
                mailbox.Folder.Delete(message.Message);
            }
        }

        session.Selected = null;
        session.State = ImapState.Authenticated;
        return ValueTask.FromResult(new ImapResult("Completed.") { Refresh = false });
    }
}
