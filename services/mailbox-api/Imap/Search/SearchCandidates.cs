using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// The positions a search program can match at most, when it is bounded by a message set: a program
/// that is a sequence set or UID set, or an AND (the keys of a SEARCH line) with one among its keys.
/// "UID SEARCH UID 99000:*" then looks at the messages in that range instead of evaluating every one
/// of a 100,000-message mailbox (8.9 ms against Dovecot's 0.2). Only a superset is needed: the whole
/// program is still evaluated on each position, so OR and NOT, which cannot bound, are left alone.
/// </summary>
internal static class SearchCandidates
{
    /// <summary>Sorted, disjoint 0-based [Start, End] intervals; null when nothing bounds the program.</summary>
    public static List<(int Start, int End)>? Of(SelectedMailbox mailbox, SearchKey program)
    {
        var bound = Bounding(program);
        if (bound is null)
        {
            return null;
        }

        var intervals = new List<(int Start, int End)>();
        foreach (var (low, high) in bound.Set!.Ranges)
        {
            // "*" is the largest number in use, and a range is the same either way round (RFC 3501 §6.4.8:
            // "559:*" includes the last message even when 559 is past every UID), as SequenceSet.Contains reads it.
            var largest = bound.Name == "UID" ? mailbox.LastUid : mailbox.Count;
            var lo = low == SequenceSet.Star ? largest : low;
            var hi = high == SequenceSet.Star ? largest : high;
            if (lo > hi)
            {
                (lo, hi) = (hi, lo);
            }

            // Both ends are clamped to the mailbox before narrowing to int: a set may name 4,294,967,295, and
            // in an empty mailbox "1:*" is 0:1 once "*" is read as 0.
            var (start, end) = bound.Name == "UID"
                ? (mailbox.Messages.LowerBound(lo), mailbox.Messages.LowerBound(hi + 1) - 1L)
                : (Math.Max(lo - 1, 0), Math.Min(hi, mailbox.Count) - 1L);
            if (start <= end)
            {
                intervals.Add(((int)start, (int)end));
            }
        }

        intervals.Sort();
        var merged = new List<(int Start, int End)>(intervals.Count);
        foreach (var interval in intervals)
        {
            if (merged.Count > 0 && interval.Start <= merged[^1].End + 1)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, interval.End));
            }
            else
            {
                merged.Add(interval);
            }
        }

        return merged;
    }

    /// <summary>The set key every match must satisfy, if there is one.</summary>
    private static SearchKey? Bounding(SearchKey program) => program.Name switch
    {
        "SEQ" or "UID" => program,
        "AND" => program.Children.FirstOrDefault(c => c.Name is "SEQ" or "UID"),
        _ => null,
    };
}
