using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1).</summary>
internal static class ExpungeCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        List<uint>? uids = null;
        if (request.Uid)
        {
            arguments.Space();
            var set = SequenceSet.Parse(arguments.ReadToken());
            var last = mailbox.LastUid;
            uids = mailbox.Messages.Where(m => set.Contains(m.Uid, last)).Select(m => m.Uid).ToList();
        }

        arguments.ExpectEnd();
        if (mailbox.ReadOnly)
        {
            throw new ImapNoException("The mailbox is read-only.", "READ-ONLY");
        }

        if (uids is { Count: 0 })
        {
            return ImapResult.Ok("Expunge completed.");
        }

        var expunged = await mailbox.Folder.ExpungeAsync(uids, cancellationToken).ConfigureAwait(false);
        mailbox.Expunged(session.Reply, expunged);

        return ImapResult.Ok("Expunge completed.");
    }
}
