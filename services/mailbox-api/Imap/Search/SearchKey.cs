using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>One node of a SEARCH program (RFC 3501 §6.4.4): a key with its argument, or NOT/OR/AND of keys.</summary>
internal sealed record SearchKey(string Name)
{
    public string? Text { get; init; }

    public string? Field { get; init; }

    public long Number { get; init; }

    public DateOnly Date { get; init; }

    public SequenceSet? Set { get; init; }

    public IReadOnlyList<SearchKey> Children { get; init; } = [];

    /// <summary>True when evaluating needs the message's content (not just flags, UID, dates, size).</summary>
    public bool NeedsContent => Name is "BCC" or "BODY" or "CC" or "FROM" or "HEADER" or "SUBJECT" or "TEXT" or "TO" or "SENTBEFORE" or "SENTON" or "SENTSINCE" or "LARGER" or "SMALLER"
        || Children.Any(c => c.NeedsContent);

    /// <summary>Parses search keys up to the end of the command (an implicit AND).</summary>
    public static SearchKey ParseProgram(ImapParser parser)
    {
        var keys = new List<SearchKey> { Parse(parser, 0) };
        while (parser.TryConsume(' '))
        {
            keys.Add(Parse(parser, 0));
        }

        return keys.Count == 1 ? keys[0] : new SearchKey("AND") { Children = keys };
    }

    private static SearchKey Parse(ImapParser parser, int depth)
    {
        if (depth > 100)
        {
            throw new ImapParseException("Search program nested too deeply");
        }

        if (parser.PeekIs('('))
        {
            var children = new List<SearchKey>();
            parser.ReadList(() => children.Add(Parse(parser, depth + 1)));
            if (children.Count == 0)
            {
                throw new ImapParseException("Empty search list");
            }

            return new SearchKey("AND") { Children = children };
        }

        var first = parser.Peek();
        if (first is (byte)'*' || first is >= (byte)'0' and <= (byte)'9')
        {
            return new SearchKey("SEQ") { Set = SequenceSet.Parse(parser.ReadToken()) };
        }

        var name = parser.ReadAtom(allowBracket: false).ToUpperInvariant();
        switch (name)
        {
            case "ALL" or "ANSWERED" or "DELETED" or "DRAFT" or "FLAGGED" or "NEW" or "OLD" or "RECENT" or "SEEN"
                or "UNANSWERED" or "UNDELETED" or "UNDRAFT" or "UNFLAGGED" or "UNSEEN":
                return new SearchKey(name);
            case "BCC" or "BODY" or "CC" or "FROM" or "SUBJECT" or "TEXT" or "TO":
                parser.Space();
                return new SearchKey(name) { Text = parser.ReadAstring() };
            case "KEYWORD" or "UNKEYWORD":
                parser.Space();
                return new SearchKey(name) { Text = parser.ReadAtom(allowBracket: false) };
            case "HEADER":
                parser.Space();
                var field = parser.ReadAstring();
                parser.Space();
                return new SearchKey(name) { Field = field, Text = parser.ReadAstring() };
            case "BEFORE" or "ON" or "SINCE" or "SENTBEFORE" or "SENTON" or "SENTSINCE":
                parser.Space();
                return new SearchKey(name) { Date = ImapDate.ParseDate(parser.PeekIs('"') ? parser.ReadStringText() : parser.ReadToken()) };
            case "LARGER" or "SMALLER":
                parser.Space();
                return new SearchKey(name) { Number = (long)parser.ReadNumber64() };
            case "UID":
                parser.Space();
                return new SearchKey(name) { Set = SequenceSet.Parse(parser.ReadToken()) };
            case "NOT":
                parser.Space();
                return new SearchKey(name) { Children = [Parse(parser, depth + 1)] };
            case "OR":
                parser.Space();
                var left = Parse(parser, depth + 1);
                parser.Space();
                return new SearchKey(name) { Children = [left, Parse(parser, depth + 1)] };
            default:
                throw new ImapParseException($"Unknown search key {name}");
        }
    }
}
