using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>STORE and UID STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS, -FLAGS, each with .SILENT; keywords included.</summary>
internal static class StoreCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        var messages = MessageSetArgument.Read(arguments, mailbox, request.Uid);
        arguments.Space();
        ulong? unchangedSince = null;
        if (arguments.PeekIs('('))
        {
            // store-modifier (RFC 7162 §3.1.3): UNCHANGEDSINCE mod-sequence.
            arguments.ReadList(() =>
            {
                if (!arguments.TryKeyword("UNCHANGEDSINCE"))
                {
                    throw new ImapParseException("Unknown STORE modifier");
                }

                arguments.Space();
                unchangedSince = arguments.ReadNumber64();
            });
            arguments.Space();
            session.CondStore = mailbox.CondStore = true;
        }

        var action = arguments.ReadAtom().ToUpperInvariant();
        var silent = action.EndsWith(".SILENT", StringComparison.Ordinal);
        var mode = silent ? action[..^".SILENT".Length] : action;
        if (mode is not ("FLAGS" or "+FLAGS" or "-FLAGS"))
        {
            throw new ImapParseException("Expected FLAGS, +FLAGS or -FLAGS");
        }

        arguments.Space();
        var flags = MessageFlags.None;
        var keywords = new List<string>();
        if (arguments.PeekIs('('))
        {
            arguments.ReadList(() => ImapFlags.Add(arguments.ReadFlag(), ref flags, keywords));
        }
        else
        {
            ImapFlags.Add(arguments.ReadFlag(), ref flags, keywords);
            while (arguments.TryConsume(' '))
            {
                ImapFlags.Add(arguments.ReadFlag(), ref flags, keywords);
            }
        }

        arguments.ExpectEnd();
        if (mailbox.ReadOnly)
        {
            throw new ImapNoException("The mailbox is read-only.", "READ-ONLY");
        }

        var change = new FlagChange(
            messages.Select(m => m.Message.Uid).ToList(),
            mode switch { "+FLAGS" => FlagChangeMode.Add, "-FLAGS" => FlagChangeMode.Remove, _ => FlagChangeMode.Replace },
            flags,
            keywords,
            unchangedSince);
        var result = await mailbox.Folder.UpdateFlagsAsync(change, cancellationToken).ConfigureAwait(false);
        var modified = new HashSet<uint>(result.Modified);
        foreach (var (sequence, entry) in messages)
        {
            if (modified.Contains(entry.Uid))
            {
                continue;
            }

            if (result.State.FindByUid(entry.Uid) is { } now)
            {
                entry.Record = now;
            }
            else
            {
                entry.Gone = true;
                continue;
            }

            if (!silent)
            {
                var modSeq = session.CondStore ? $" MODSEQ ({entry.Record.ModSeq})" : string.Empty;
                session.Reply.Untagged(request.Uid
                    ? $"{sequence} FETCH (UID {entry.Uid} FLAGS {ImapFlags.Format(entry.Record)}{modSeq})"
                    : $"{sequence} FETCH (FLAGS {ImapFlags.Format(entry.Record)}{modSeq})");
            }
        }

        await session.Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (modified.Count > 0)
        {
            // RFC 7162 §3.1.3: the messages not stored because they changed since UNCHANGEDSINCE.
            var numbers = request.Uid ? modified.Order() : modified.Select(mailbox.SequenceOf).Where(n => n > 0).Order();
            return new ImapResult($"[MODIFIED {SequenceSet.Format(numbers)}] Conditional store failed.") { AllowExpunge = request.Uid };
        }

        return new ImapResult("Store completed.") { AllowExpunge = request.Uid };
    }
}
