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

    /// <summary>True for keys compared as text (addresses, subjects, display names).</summary>
    public bool IsText => Key is "CC" or "FROM" or "SUBJECT" or "TO" or "DISPLAYFROM" or "DISPLAYTO";

    /// <summary>The collation key of a text criterion for one message (computed once per SORT, not per comparison).</summary>
    public string TextOf(SortableMessage m) => Collation.Key(Key switch
    {
        "SUBJECT" => m.BaseSubject,
        "FROM" => m.Fields?.FromMailbox,
        "TO" => m.Fields?.ToMailbox,
        "CC" => m.Fields?.CcMailbox,
        "DISPLAYFROM" => m.Fields?.FromDisplay,
        "DISPLAYTO" => m.Fields?.ToDisplay,
        _ => null,
    });

    /// <summary>Compares by this key alone (text keys by their precomputed collation keys); REVERSE applied.</summary>
    public int Compare(SortableMessage a, string? aText, SortableMessage b, string? bText)
    {
        var order = Key switch
        {
            "ARRIVAL" => a.Message.Record.InternalDate.CompareTo(b.Message.Record.InternalDate),
            "SIZE" => a.Message.Record.Size.CompareTo(b.Message.Record.Size),
            "DATE" => a.SentDate.UtcDateTime.CompareTo(b.SentDate.UtcDateTime),
            _ => string.CompareOrdinal(aText, bText),
        };
        return Reverse ? -order : order;
    }

    /// <summary>
    /// Sorts by every criterion in turn, then by sequence number (RFC 5256 §3: the final tie-break,
    /// never reversed). Text keys are folded once per message first.
    /// </summary>
    public static List<SortableMessage> Sort(IReadOnlyList<SortCriterion> criteria, IReadOnlyList<SortableMessage> messages)
    {
        var keyed = messages.Select(m => (Message: m, Texts: criteria.Select(c => c.IsText ? c.TextOf(m) : null).ToArray())).ToList();
        keyed.Sort((a, b) =>
        {
            for (var i = 0; i < criteria.Count; i++)
            {
                var order = criteria[i].Compare(a.Message, a.Texts[i], b.Message, b.Texts[i]);
                if (order != 0)
                {
                    return order;
                }
            }

            return a.Message.Sequence.CompareTo(b.Message.Sequence);
        });
        return keyed.Select(k => k.Message).ToList();
    }
}

/// <summary>
/// String collation for SORT and THREAD. RFC 5256 §3 asks for I18NLEVEL=1 collation (RFC 5255), whose
/// default is i;unicode-casemap (RFC 5051): compatibility decomposition and case folding, then octet
/// order. ASCII text (the common case) is only upper-cased; other text is NFKD-normalised and
/// upper-cased, which matches i;unicode-casemap for everything but a few title-case letters. A missing
/// value sorts as the empty string.
/// </summary>
internal static class Collation
{
    public static string Key(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (System.Text.Ascii.IsValid(value))
        {
            return string.Create(value.Length, value, static (span, s) => System.Text.Ascii.ToUpper(s, span, out _));
        }

        return value.Normalize(System.Text.NormalizationForm.FormKD).ToUpperInvariant();
    }
}
