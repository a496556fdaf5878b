using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>
/// The QRESYNC parameter of SELECT/EXAMINE (RFC 7162 §3.2.5):
/// <c>"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"</c>, and the
/// resynchronisation it asks for: the UIDs expunged since that mod-sequence, then the flags of every
/// message changed since.
/// </summary>
internal sealed record QresyncParameters(uint UidValidity, ulong ModSeq, SequenceSet? KnownUids)
{
    /// <summary>Lines written between flushes, so a resync of a huge mailbox is not buffered whole.</summary>
    private const int FlushEvery = 1000;

    public static QresyncParameters Parse(ImapParser arguments)
    {
        arguments.Expect('(');
        var uidValidity = arguments.ReadNumber();
        arguments.Space();
        var modSeq = arguments.ReadNumber64();
        SequenceSet? known = null;
        if (arguments.TryConsume(' ') && !arguments.PeekIs('('))
        {
            known = SequenceSet.Parse(arguments.ReadToken());
            arguments.TryConsume(' ');
        }

        if (arguments.PeekIs('('))
        {
            // seq-match-data: (known-sequence-set SP known-uid-set). It only helps servers that
            // forget expunges; when ours has forgotten (§3.2.5.2), it reports every absent UID
            // instead, which the RFC allows, so the pairs are checked for syntax only.
            arguments.Expect('(');
            SequenceSet.Parse(arguments.ReadToken());
            arguments.Space();
            SequenceSet.Parse(arguments.ReadToken());
            arguments.Expect(')');
        }

        arguments.Expect(')');
        return new QresyncParameters(uidValidity, modSeq, known);
    }

    /// <summary>Writes <c>VANISHED (EARLIER)</c> and the FETCH (UID FLAGS MODSEQ) of changed messages, limited to the known UIDs.</summary>
    public async Task ReportChangesAsync(SelectedMailbox mailbox, ImapReplyWriter reply, CancellationToken cancellationToken)
    {
        var last = Math.Max(mailbox.LastUid, mailbox.NextUid - 1);
        var vanished = mailbox.Folder.ExpungedSince(ModSeq)
            .Where(uid => (KnownUids is null || KnownUids.Contains(uid, last)) && mailbox.SequenceOf(uid) == 0)
            .ToList();
        if (vanished.Count > 0)
        {
            reply.Untagged("VANISHED (EARLIER) " + SequenceSet.Format(vanished));
        }

        var written = 0;
        for (var i = 0; i < mailbox.Messages.Count; i++)
        {
            var record = mailbox.Messages[i].Record;
            if (record.ModSeq <= ModSeq || (KnownUids is not null && !KnownUids.Contains(record.Uid, last)))
            {
                continue;
            }

            reply.Untagged($"{i + 1} FETCH (UID {record.Uid} FLAGS {ImapFlags.Format(record)} MODSEQ ({record.ModSeq}))");
            if (++written % FlushEvery == 0)
            {
                await reply.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
