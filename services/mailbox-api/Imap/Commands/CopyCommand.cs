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

        var folders = session.RequireFolders();
        if (!folders.Exists(name))
        {
            throw new ImapNoException("Target mailbox does not exist.", "TRYCREATE");
        }

        var target = folders.Open(name);
        var copies = new List<(uint SourceUid, string Key)>();
        foreach (var (_, entry) in messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = mailbox.Folder.Locate(entry.Message);
            if (current is null)
            {
                continue;
            }

            byte[] content;
            DateTimeOffset date;
            try
            {
                var path = mailbox.Folder.FullPath(current);
                content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
                date = File.GetLastWriteTimeUtc(path);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            copies.Add((entry.Uid, folders.Store(target, content, current.Flags, date)));
        }

        var snapshot = await target.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        var byKey = snapshot.Messages.ToDictionary(m => m.Key, m => m.Uid, StringComparer.Ordinal);
        var pairs = copies.Where(c => byKey.ContainsKey(c.Key)).Select(c => (c.SourceUid, Target: byKey[c.Key])).ToList();
        var code = pairs.Count == 0
            ? string.Empty
            : $"[COPYUID {snapshot.UidValidity} {SequenceSet.Format(pairs.Select(p => p.SourceUid))} {string.Join(',', pairs.Select(p => p.Target))}] ";
        if (!move)
        {
            return ImapResult.Ok(code + "Copy completed.");
        }

        // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
        if (code.Length > 0)
        {
            session.Reply.Untagged("OK " + code + "Moved.");
        }

        foreach (var (sourceUid, _) in Enumerable.Reverse(copies))
        {
            var seq = mailbox.SequenceOf(sourceUid);
            if (seq > 0)
            {
                mailbox.Folder.Delete(mailbox.Messages[(int)seq - 1].Message);
                mailbox.Expunged(session.Reply, sourceUid);
            }
        }

        return ImapResult.Ok("Move completed.");
    }
}
