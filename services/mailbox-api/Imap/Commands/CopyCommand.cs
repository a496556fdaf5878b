using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>COPY/UID COPY (RFC 3501 §6.4.7) and MOVE/UID MOVE (RFC 6851), answered with COPYUID (RFC 4315).</summary>
internal static class CopyCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        var messages = MessageSetArgument.Read(arguments, mailbox, request.Uid);
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        arguments.ExpectEnd();
        var move = request.Name == "MOVE";
        if (move && mailbox.ReadOnly)
        {
            throw new ImapNoException("The mailbox is read-only.", "READ-ONLY");
        }

        var user = session.RequireMailbox();
        if (!user.FolderExists(name))
        {
            throw new ImapNoException("Target mailbox does not exist.", "TRYCREATE");
        }

        var target = name == mailbox.Name ? mailbox.Folder : await user.OpenFolderAsync(name, cancellationToken).ConfigureAwait(false);
        var uids = messages.Where(m => !m.Message.Gone).Select(m => m.Message.Uid).ToList();
        if (uids.Count == 0)
        {
            return ImapResult.Ok(move ? "Move completed." : "Copy completed.");
        }

        var result = move
            ? await mailbox.Folder.MoveAsync(uids, target, cancellationToken).ConfigureAwait(false)
            : await mailbox.Folder.CopyAsync(uids, target, cancellationToken).ConfigureAwait(false);
        var code = result.SourceUids.Count == 0
            ? string.Empty
            : $"[COPYUID {result.TargetUidValidity} {SequenceSet.Format(result.SourceUids)} {string.Join(',', result.TargetUids)}] ";
        if (!move)
        {
            return ImapResult.Ok(code + "Copy completed.");
        }

        // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
        if (code.Length > 0)
        {
            session.Reply.Untagged("OK " + code + "Moved.");
        }

        mailbox.Expunged(session.Reply, result.SourceUids);

        return ImapResult.Ok("Move completed.");
    }
}
