using Facteur.MailStore.Index;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>Resolves a sequence set against the selected mailbox: message numbers must exist (BAD otherwise), UIDs need not (§6.4.8).</summary>
internal static class MessageSetArgument
{
    /// <summary>
    /// The messages the set names, in mailbox order, each once. The set's ranges are resolved (<c>*</c> is
    /// the largest number in use), merged and looked up by index or binary search on the UID, so a command
    /// naming one message costs a lookup, not a walk of the whole mailbox.
    /// </summary>
    public static List<(uint Sequence, MailboxMessage Message)> Resolve(SelectedMailbox mailbox, SequenceSet set, bool uid)
    {
        if (!uid && !set.IsWithin(mailbox.Count))
        {
            throw new ImapParseException("Invalid message sequence number");
        }

        var result = new List<(uint, MailboxMessage)>();
        foreach (var (start, end) in Positions(mailbox, set, uid))
        {
            for (var i = start; i < end; i++)
            {
                result.Add(((uint)i + 1, mailbox.Messages[i]));
            }
        }

        return result;
    }

    /// <summary>
    /// The 0-based positions the set names, as ascending, disjoint [Start, End) intervals, without the check
    /// that message numbers exist (SEARCH may name numbers past the end). Both ends are clamped to the mailbox:
    /// a set may name 4,294,967,295, and in an empty mailbox "1:*" is 0:1 once "*" is read as 0.
    /// </summary>
    public static List<(int Start, int End)> Positions(SelectedMailbox mailbox, SequenceSet set, bool uid)
    {
        var messages = mailbox.Messages;
        var positions = new List<(int Start, int End)>();
        foreach (var (low, high) in Merged(set, uid ? mailbox.LastUid : mailbox.Count))
        {
            var start = uid ? FirstAtOrAbove(messages, low) : (int)Math.Clamp(low - 1, 0, messages.Count);
            var end = uid ? FirstAtOrAbove(messages, high + 1) : (int)Math.Min(high, messages.Count);
            if (start < end)
            {
                positions.Add((start, end));
            }
        }

        return positions;
    }

    public static List<(uint Sequence, MailboxMessage Message)> Read(ImapParser parser, SelectedMailbox mailbox, bool uid) =>
        Resolve(mailbox, SequenceSet.Parse(parser.ReadToken()), uid);

    /// <summary>The set's ranges with <c>*</c> resolved to <paramref name="largest"/>, ascending and without overlaps.</summary>
    private static List<(long Low, long High)> Merged(SequenceSet set, uint largest)
    {
        var ranges = new List<(long Low, long High)>(set.Ranges.Count);
        for (var i = 0; i < set.Ranges.Count; i++)
        {
            var (low, high) = set.Ranges[i];
            var lo = low == SequenceSet.Star ? largest : low;
            var hi = high == SequenceSet.Star ? largest : high;
            ranges.Add(lo <= hi ? (lo, hi) : (hi, lo)); // "5:*" with 3 messages is 3:5 (§9)
        }

        if (ranges.Count < 2)
        {
            return ranges;
        }

        ranges.Sort((a, b) => a.Low.CompareTo(b.Low));
        var merged = new List<(long Low, long High)>(ranges.Count) { ranges[0] };
        for (var i = 1; i < ranges.Count; i++)
        {
            var last = merged[^1];
            if (ranges[i].Low <= last.High + 1)
            {
                merged[^1] = (last.Low, Math.Max(last.High, ranges[i].High));
            }
            else
            {
                merged.Add(ranges[i]);
            }
        }

        return merged;
    }

    /// <summary>Index of the first message whose UID is at least <paramref name="uid"/> (messages are in UID order).</summary>
    private static int FirstAtOrAbove(SessionMessages messages, long uid) => messages.LowerBound(uid);
}
