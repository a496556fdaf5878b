using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Fetch;

internal enum FetchKind
{
    Uid,
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    Body,
    BodyStructure,
    Section,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
}

/// <summary>One fetch-att (RFC 3501 §6.4.5), with its section and partial range for BODY[...].</summary>
internal sealed record FetchItem(FetchKind Kind, string Name)
{
    /// <summary>Part numbers of the section ("1.2" → [1,2]); empty for the whole message.</summary>
    public IReadOnlyList<int> Part { get; init; } = [];

    /// <summary>HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME or empty.</summary>
    public string Text { get; init; } = string.Empty;

    public IReadOnlyList<string> Fields { get; init; } = [];

    public bool Peek { get; init; }

    public (long Offset, long Length)? Partial { get; init; }

    public bool SetsSeen => Kind is FetchKind.Rfc822 or FetchKind.Rfc822Text || (Kind == FetchKind.Section && !Peek);

    /// <summary>Parses the fetch attributes: a macro, one attribute, or a parenthesised list.</summary>
    public static List<FetchItem> ParseList(ImapParser parser)
    {
        var items = new List<FetchItem>();
        if (parser.PeekIs('('))
        {
            parser.ReadList(() => items.Add(ParseOne(parser)));
            return items;
        }

        if (parser.TryKeyword("ALL"))
        {
            return [new(FetchKind.Flags, "FLAGS"), new(FetchKind.InternalDate, "INTERNALDATE"), new(FetchKind.Rfc822Size, "RFC822.SIZE"), new(FetchKind.Envelope, "ENVELOPE")];
        }

        if (parser.TryKeyword("FAST"))
        {
            return [new(FetchKind.Flags, "FLAGS"), new(FetchKind.InternalDate, "INTERNALDATE"), new(FetchKind.Rfc822Size, "RFC822.SIZE")];
        }

        if (parser.TryKeyword("FULL"))
        {
            return [new(FetchKind.Flags, "FLAGS"), new(FetchKind.InternalDate, "INTERNALDATE"), new(FetchKind.Rfc822Size, "RFC822.SIZE"), new(FetchKind.Envelope, "ENVELOPE"), new(FetchKind.Body, "BODY")];
        }

        items.Add(ParseOne(parser));
        return items;
    }

    private static FetchItem ParseOne(ImapParser parser)
    {
        var name = ReadName(parser).ToUpperInvariant();
        switch (name)
        {
            case "UID": return new(FetchKind.Uid, name);
            case "FLAGS": return new(FetchKind.Flags, name);
            case "INTERNALDATE": return new(FetchKind.InternalDate, name);
            case "RFC822.SIZE": return new(FetchKind.Rfc822Size, name);
            case "ENVELOPE": return new(FetchKind.Envelope, name);
            case "BODYSTRUCTURE": return new(FetchKind.BodyStructure, name);
            case "RFC822": return new(FetchKind.Rfc822, name);
            case "RFC822.HEADER": return new(FetchKind.Rfc822Header, name);
            case "RFC822.TEXT": return new(FetchKind.Rfc822Text, name);
            case "BODY" when !parser.PeekIs('['): return new(FetchKind.Body, name);
            case "BODY" or "BODY.PEEK":
                return ParseSection(parser, name == "BODY.PEEK");
            default:
                throw new ImapParseException($"Unknown fetch attribute {name}");
        }
    }

    private static string ReadName(ImapParser parser)
    {
        var chars = new System.Text.StringBuilder();
        while (parser.Peek() is var b && b != 0 && b != (byte)' ' && b != (byte)')' && b != (byte)'[' && b != (byte)'\r' && b != (byte)'\n' && b != (byte)'(')
        {
            chars.Append((char)b);
            parser.TryConsume((char)b);
        }

        if (chars.Length == 0)
        {
            throw new ImapParseException("Expected a fetch attribute");
        }

        return chars.ToString();
    }

    private static FetchItem ParseSection(ImapParser parser, bool peek)
    {
        parser.Expect('[');
        var spec = parser.ReadUntilBracket();
        var part = new List<int>();
        var rest = spec;
        while (rest.Length > 0 && char.IsAsciiDigit(rest[0]))
        {
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            var number = dot < 0 ? rest : rest[..dot];
            if (!int.TryParse(number, out var n) || n < 1 || number[0] == '0')
            {
                throw new ImapParseException("Invalid section part");
            }

            part.Add(n);
            rest = dot < 0 ? string.Empty : rest[(dot + 1)..];
        }

        var text = string.Empty;
        var fields = new List<string>();
        if (rest.Length > 0)
        {
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            text = (space < 0 ? rest : rest[..space]).ToUpperInvariant();
            switch (text)
            {
                case "HEADER" or "TEXT" when space < 0:
                    break;
                case "MIME" when space < 0 && part.Count > 0:
                    break;
                case "HEADER.FIELDS" or "HEADER.FIELDS.NOT" when space > 0:
                    var list = rest[(space + 1)..].Trim();
                    if (!list.StartsWith('(') || !list.EndsWith(')'))
                    {
                        throw new ImapParseException("Header list expected");
                    }

                    fields.AddRange(list[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Trim('"')));
                    if (fields.Count == 0)
                    {
                        throw new ImapParseException("Empty header list");
                    }

                    break;
                default:
                    throw new ImapParseException("Invalid section");
            }
        }

        (long, long)? partial = null;
        if (parser.TryConsume('<'))
        {
            var offset = (long)parser.ReadNumber64();
            parser.Expect('.');
            var length = (long)parser.ReadNumber64();
            if (length == 0)
            {
                throw new ImapParseException("Partial length must be non-zero");
            }

            parser.Expect('>');
            partial = (offset, length);
        }

        var sectionName = "BODY[" + spec.ToUpperInvariant() + "]";
        return new FetchItem(FetchKind.Section, sectionName) { Part = part, Text = text, Fields = fields, Peek = peek, Partial = partial };
    }
}
