using System.Buffers;
using System.Text;

namespace Facteur.MailboxApi.Pop3.Parsing;

/// <summary>
/// Parses one command line (CRLF already removed).
/// <code>
/// command  = keyword *(SP argument)        ; RFC 1939 §3, RFC 2449 §3
/// keyword  = 3*4VCHAR                      ; case-insensitive
/// argument = 1*40VCHAR                     ; PASS takes the rest of the line
/// </code>
/// Unknown keywords parse (as <see cref="Pop3Verb.Unknown"/>) so the session can answer -ERR;
/// an empty line, a keyword with non-letters or NUL/control characters fail to parse.
/// </summary>
internal static class Pop3CommandParser
{
    private static readonly Dictionary<string, Pop3Verb> Verbs = new(StringComparer.OrdinalIgnoreCase)
    {
        ["USER"] = Pop3Verb.User,
        ["PASS"] = Pop3Verb.Pass,
        ["AUTH"] = Pop3Verb.Auth,
        ["CAPA"] = Pop3Verb.Capa,
        ["STLS"] = Pop3Verb.Stls,
        ["STAT"] = Pop3Verb.Stat,
        ["LIST"] = Pop3Verb.List,
        ["RETR"] = Pop3Verb.Retr,
        ["DELE"] = Pop3Verb.Dele,
        ["NOOP"] = Pop3Verb.Noop,
        ["RSET"] = Pop3Verb.Rset,
        ["QUIT"] = Pop3Verb.Quit,
        ["TOP"] = Pop3Verb.Top,
        ["UIDL"] = Pop3Verb.Uidl,
    };

    public static bool TryParse(ref SequenceReader<byte> reader, out Pop3Command command)
    {
        command = null!;
        var keywordStart = reader.Position;
        var keywordLength = 0;
        while (reader.TryPeek(out var b) && b != (byte)' ')
        {
            if (!IsAsciiLetter(b) || ++keywordLength > 16)
            {
                return false;
            }

            reader.Advance(1);
        }

        if (keywordLength == 0)
        {
            return false;
        }

        var keyword = Encoding.ASCII.GetString(reader.Sequence.Slice(keywordStart, reader.Position));
        var raw = string.Empty;
        if (reader.TryPeek(out var space) && space == (byte)' ')
        {
            reader.Advance(1);
            var rest = reader.UnreadSequence;
            // NUL and other controls never belong in a POP3 argument (DESIGN.md promise 4).
            foreach (var segment in rest)
            {
                foreach (var c in segment.Span)
                {
                    if (c < 0x20 || c == 0x7F)
                    {
                        return false;
                    }
                }
            }

            raw = Encoding.UTF8.GetString(rest);
            reader.AdvanceToEnd();
        }

        var verb = Verbs.GetValueOrDefault(keyword, Pop3Verb.Unknown);
        var arguments = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        command = new Pop3Command(verb, keyword.ToUpperInvariant(), arguments, raw);
        return true;
    }

    public static bool TryParse(ReadOnlySpan<byte> line, out Pop3Command command)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(line.ToArray()));
        return TryParse(ref reader, out command);
    }

    /// <summary>A message number argument: 1*DIGIT, positive, no sign or spaces.</summary>
    public static bool TryParseNumber(string text, out int number)
    {
        number = 0;
        if (text.Length is 0 or > 9 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        number = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }

    private static bool IsAsciiLetter(byte b) => b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z';
}
