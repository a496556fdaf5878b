using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>Resolves a sequence set against the selected mailbox: message numbers must exist (BAD otherwise), UIDs need not (§6.4.8).</summary>
internal static class MessageSetArgument
{
    public static List<(uint Sequence, MailboxMessage Message)> Resolve(SelectedMailbox mailbox, SequenceSet set, bool uid)
    {
        var result = new List<(uint, MailboxMessage)>();
        if (uid)
        {
            var last = mailbox.LastUid;
            for (var i = 0; i < mailbox.Messages.Count; i++)
            {
                if (set.Contains(mailbox.Messages[i].Uid, last))
                {
                    result.Add(((uint)i + 1, mailbox.Messages[i]));
                }
            }

            return result;
        }

        if (!set.IsWithin(mailbox.Count))
        {
            throw new ImapParseException("Invalid message sequence number");
        }

        for (var i = 0; i < mailbox.Messages.Count; i++)
        {
            if (set.Contains((uint)i + 1, mailbox.Count))
            {
                result.Add(((uint)i + 1, mailbox.Messages[i]));
            }
        }

        return result;
    }

    public static List<(uint Sequence, MailboxMessage Message)> Read(ImapParser parser, SelectedMailbox mailbox, bool uid) =>
        Resolve(mailbox, SequenceSet.Parse(parser.ReadToken()), uid);
}
