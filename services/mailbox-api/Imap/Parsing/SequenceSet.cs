namespace Facteur.MailboxApi.Imap.Parsing;

/// <summary>
/// A sequence-set (RFC 3501 §9): numbers, ranges in either order (<c>5:2</c> is 2..5) and <c>*</c>
/// (the largest number in use). Resolved against the mailbox when the command runs: <c>*</c> is the
/// last message, and a UID range past the end still matches the last UID (§6.4.8).
/// </summary>
internal sealed class SequenceSet
{
    /// <summary>
    /// Stands for <c>*</c> until resolved: one above every nz-number, because 4294967295 is itself a
    /// valid number (RFC 3501 §9: 0 &lt; n &lt; 4,294,967,296) and must not mean "the last message".
    /// </summary>
    public const long Star = uint.MaxValue + 1L;

    private SequenceSet(IReadOnlyList<(long Low, long High)> ranges, bool isSavedResult)
    {
        Ranges = ranges;
        IsSavedResult = isSavedResult;
    }

    public IReadOnlyList<(long Low, long High)> Ranges { get; }

    /// <summary>"$" (RFC 5182): not supported; kept so the parser can answer precisely.</summary>
    public bool IsSavedResult { get; }

    public static bool TryParse(string text, out SequenceSet set)
    {
        set = new SequenceSet([], false);
        if (text.Length == 0)
        {
            return false;
        }

        var ranges = new List<(long, long)>();
        foreach (var part in text.Split(','))
        {
            var colon = part.IndexOf(':');
            if (colon < 0)
            {
                if (!TryNumber(part, out var n))
                {
                    return false;
                }

                ranges.Add((n, n));
            }
            else
            {
                if (!TryNumber(part[..colon], out var a) || !TryNumber(part[(colon + 1)..], out var b))
                {
                    return false;
                }

                ranges.Add(a <= b ? (a, b) : (b, a));
            }
        }

        set = new SequenceSet(ranges, false);
        return true;
    }

    public static SequenceSet Parse(string text) =>
        TryParse(text, out var set) ? set : throw new ImapParseException("Invalid sequence set");

    public static SequenceSet Of(IEnumerable<uint> numbers) => new(numbers.Select(n => ((long)n, (long)n)).ToList(), false);

    private static bool TryNumber(string text, out long value)
    {
        value = 0;
        if (text == "*")
        {
            value = Star;
            return true;
        }

        // nz-number: no leading zero, no zero.
        if (text.Length == 0 || text[0] == '0' || text.Length > 10 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        var parsed = uint.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number);
        value = number;
        return parsed && number != 0;
    }

    /// <summary>True when <paramref name="value"/> is in the set, with <c>*</c> meaning <paramref name="largest"/>.</summary>
    public bool Contains(uint value, uint largest)
    {
        foreach (var (low, high) in Ranges)
        {
            var lo = low == Star ? largest : low;
            var hi = high == Star ? largest : high;
            if (lo > hi)
            {
                (lo, hi) = (hi, lo);
            }

            if (value >= lo && value <= hi)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every number is within 1..<paramref name="count"/> (message sequence numbers must exist, §9).</summary>
    public bool IsWithin(uint count) =>
        count > 0 && Ranges.All(r => (r.Low == Star || r.Low <= count) && (r.High == Star || r.High <= count));

    /// <summary>Compact text form of ascending numbers: 1:3,7,9:10.</summary>
    public static string Format(IEnumerable<uint> numbers)
    {
        var parts = new List<string>();
        uint? start = null, previous = null;
        foreach (var n in numbers)
        {
            if (previous is { } p && n == p + 1)
            {
                previous = n;
                continue;
            }

            if (start is { } s)
            {
                parts.Add(s == previous ? $"{s}" : $"{s}:{previous}");
            }

            start = previous = n;
        }

        if (start is { } last)
        {
            parts.Add(last == previous ? $"{last}" : $"{last}:{previous}");
        }

        return string.Join(',', parts);
    }
}
