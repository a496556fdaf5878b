using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1).</summary>
internal static class ExpungeCommand
{
    public static ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        SequenceSet? uids = null;
        if (request.Uid)
        {
            arguments.Space();
            uids = SequenceSet.Parse(arguments.ReadToken());
        }

        arguments.ExpectEnd();
        if (mailbox.ReadOnly)
        {
            throw new ImapNoException("The mailbox is read-only.", "READ-ONLY");
        }

        var last = mailbox.LastUid;
        var doomed = mailbox.Messages
            .Where(m => m.Message.Flags.HasFlag(MaildirFlags.Trashed) && (uids is null || uids.Contains(m.Uid, last)))
            .Select(m => m.Uid)
            .ToList();
        foreach (var uid in Enumerable.Reverse(doomed))
        {
            var seq = mailbox.SequenceOf(uid);
            mailbox.Folder.Delete(mailbox.Messages[(int)seq - 1].Message);
            mailbox.Expunged(session.Reply, uid);
        }

        return ValueTask.FromResult(ImapResult.Ok("Expunge completed."));
    }
}
