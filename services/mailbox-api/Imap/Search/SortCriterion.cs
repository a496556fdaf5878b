using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>One sort key of SORT (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO), possibly REVERSEd.</summary>
internal sealed record SortCriterion(string Key, bool Reverse)
{
    /// <summary>Parses <c>"(" sort-criterion *(SP sort-criterion) ")"</c>, where sort-criterion = ["REVERSE" SP] sort-key.</summary>
    public static List<SortCriterion> ParseList(ImapParser parser)
    {
        var criteria = new List<SortCriterion>();
        var reverse = false;
        parser.ReadList(() =>
        {
            var key = parser.ReadAtom(allowBracket: false).ToUpperInvariant();
            if (key == "REVERSE")
            {
                if (reverse)
                {
                    throw new ImapParseException("REVERSE twice");
                }

                reverse = true;
                return;
            }

            if (key is not ("ARRIVAL" or "CC" or "DATE" or "FROM" or "SIZE" or "SUBJECT" or "TO" or "DISPLAYFROM" or "DISPLAYTO"))
            {
                throw new ImapParseException($"Unknown sort key {key}");
            }

            criteria.Add(new SortCriterion(key, reverse));
            reverse = false;
        });
        if (criteria.Count == 0 || reverse)
        {
            throw new ImapParseException("Sort criteria must end with a sort key");
        }

        return criteria;
    }

    /// <summary>True when the key needs header fields (everything but ARRIVAL and SIZE).</summary>
    public bool NeedsFields => Key is not ("ARRIVAL" or "SIZE");

    /// <summary>Compares by this key alone; REVERSE applied.</summary>
    public int Compare(SortableMessage a, SortableMessage b)
    {
        var order = Key switch
        {
            "ARRIVAL" => a.Message.Record.InternalDate.CompareTo(b.Message.Record.InternalDate),
            "SIZE" => a.Message.Record.Size.CompareTo(b.Message.Record.Size),
            "DATE" => a.SentDate.UtcDateTime.CompareTo(b.SentDate.UtcDateTime),
            "SUBJECT" => AsciiCasemap.Compare(a.BaseSubject, b.BaseSubject),
            "FROM" => AsciiCasemap.Compare(a.Fields?.FromMailbox, b.Fields?.FromMailbox),
            "TO" => AsciiCasemap.Compare(a.Fields?.ToMailbox, b.Fields?.ToMailbox),
            "CC" => AsciiCasemap.Compare(a.Fields?.CcMailbox, b.Fields?.CcMailbox),
            "DISPLAYFROM" => string.Compare(a.Fields?.FromDisplay ?? string.Empty, b.Fields?.FromDisplay ?? string.Empty, StringComparison.OrdinalIgnoreCase),
            "DISPLAYTO" => string.Compare(a.Fields?.ToDisplay ?? string.Empty, b.Fields?.ToDisplay ?? string.Empty, StringComparison.OrdinalIgnoreCase),
            _ => 0,
        };
        return Reverse ? -order : order;
    }

    /// <summary>Orders by every criterion in turn, then by sequence number (RFC 5256 §3: the final tie-break, never reversed).</summary>
    public static int CompareAll(IReadOnlyList<SortCriterion> criteria, SortableMessage a, SortableMessage b)
    {
        foreach (var criterion in criteria)
        {
            var order = criterion.Compare(a, b);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Sequence.CompareTo(b.Sequence);
    }
}

/// <summary>
/// The i;ascii-casemap collation (RFC 4790 §9.2), which RFC 5256 §3 requires for SORT: octets
/// compared with a–z folded to A–Z; a missing value sorts as the empty string.
/// </summary>
internal static class AsciiCasemap
{
    public static int Compare(string? a, string? b)
    {
        var x = a ?? string.Empty;
        var y = b ?? string.Empty;
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var cx = Fold(x[i]);
            var cy = Fold(y[i]);
            if (cx != cy)
            {
                return cx.CompareTo(cy);
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    public static bool Equals(string a, string b) => Compare(a, b) == 0;

    public static string Key(string value) => string.Create(value.Length, value, (span, s) =>
    {
        for (var i = 0; i < s.Length; i++)
        {
            span[i] = Fold(s[i]);
        }
    });

    private static char Fold(char c) => c is >= 'a' and <= 'z' ? (char)(c - 32) : c;
}
