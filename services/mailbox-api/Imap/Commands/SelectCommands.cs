using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>SELECT/EXAMINE (RFC 3501 §6.3.1–2), CLOSE (§6.4.2) and UNSELECT (RFC 3691).</summary>
internal static class SelectCommands
{
    public static async ValueTask<ImapResult> SelectAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        QresyncParameters? qresync = null;
        if (arguments.TryConsume(' '))
        {
            // select-param (RFC 4466): CONDSTORE (RFC 7162 §3.1.8), QRESYNC (§3.2.5).
            arguments.ReadList(() =>
            {
                var parameter = arguments.ReadAtom().ToUpperInvariant();
                if (parameter == "CONDSTORE")
                {
                    session.CondStore = true;
                }
                else if (parameter == "QRESYNC")
                {
                    if (!session.QResync)
                    {
                        throw new Parsing.ImapParseException("QRESYNC is not enabled");
                    }

                    arguments.Space();
                    qresync = QresyncParameters.Parse(arguments);
                }
                else
                {
                    throw new Parsing.ImapParseException("Unknown SELECT parameter");
                }
            });
        }

        arguments.ExpectEnd();

        // A failed SELECT leaves the session unselected (§6.3.1). RFC 7162 §3.2.11: say that the
        // previous mailbox is closed before anything about the new one, so its VANISHED/FETCH
        // responses cannot be mistaken for the old one's.
        if (session.Selected is not null)
        {
            session.Reply.Untagged("OK [CLOSED] Previous mailbox closed.");
        }

        session.Selected = null;
        if (session.State == ImapState.Selected)
        {
            session.State = ImapState.Authenticated;
        }

        var folder = await session.RequireMailbox().OpenFolderAsync(name, cancellationToken).ConfigureAwait(false);
        var readOnly = request.Name == "EXAMINE";
        var mailbox = SelectedMailbox.Open(name, folder, readOnly); // as OpenFolderAsync's sync just found it (RFC 3501 §6.3.1)
        var reply = session.Reply;
        reply.Untagged("FLAGS " + ImapFlags.FolderFlags(mailbox.Keywords));
        reply.Untagged($"{mailbox.Count} EXISTS");
        reply.Untagged("0 RECENT");
        var firstUnseen = mailbox.FirstUnseenIndex;
        if (firstUnseen >= 0)
        {
            reply.Untagged($"OK [UNSEEN {firstUnseen + 1}] First unseen.");
        }

        reply.Untagged($"OK [UIDVALIDITY {mailbox.UidValidity}] UIDs valid.");
        reply.Untagged($"OK [UIDNEXT {mailbox.NextUid}] Predicted next UID.");
        reply.Untagged(readOnly ? "OK [PERMANENTFLAGS ()] Read-only mailbox." : $"OK [PERMANENTFLAGS ({string.Join(' ', [ImapFlags.System, .. mailbox.Keywords, "\\*"])})] Flags permitted.");
        reply.Untagged($"OK [HIGHESTMODSEQ {mailbox.HighestModSeq}] Highest.");
        mailbox.CondStore = session.CondStore;
        mailbox.QResync = session.QResync;
        if (qresync is not null && qresync.UidValidity == mailbox.UidValidity)
        {
            await qresync.ReportChangesAsync(mailbox, reply, cancellationToken).ConfigureAwait(false);
        }

        session.Selected = mailbox;
        session.State = ImapState.Selected;
        return new ImapResult(readOnly ? "[READ-ONLY] Examined." : "[READ-WRITE] Selected.") { Refresh = false };
    }

    /// <summary>CLOSE expunges silently when read-write; UNSELECT never expunges.</summary>
    public static async ValueTask<ImapResult> CloseAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        var mailbox = session.RequireSelected();
        if (request.Name == "CLOSE" && !mailbox.ReadOnly)
        {
            await mailbox.Folder.ExpungeAsync(null, cancellationToken).ConfigureAwait(false);
        }

        session.Selected = null;
        session.State = ImapState.Authenticated;
        return new ImapResult("Completed.") { Refresh = false };
    }
}
