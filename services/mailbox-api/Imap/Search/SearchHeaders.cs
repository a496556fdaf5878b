using System.Buffers;
using System.Text;
using Facteur.MailboxApi.Imap.Fetch;
using MimeKit;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// The header fields SEARCH asks for most (SUBJECT, FROM, TO, CC, BCC, SENT*, and HEADER on these
/// names), each occurrence kept as MimeKit decodes it (<see cref="Header.Value"/>: unfolded, RFC 2047
/// encoded words decoded, comments, groups and display names left in), in file order. A key answered
/// from here sees exactly the text it would see in the file: every field with the name, not only the
/// first one the ENVELOPE shows, so a second From or Subject still matches (RFC 3501 §6.4.4).
/// </summary>
/// <remarks>
/// Held for every message a header FETCH passes (100,000 of them after a client's first sync of a large
/// folder): all values in one string and one array of where each starts, not a string and a tuple per
/// field — three objects per message instead of a dozen, which the FETCH allocated and the collector
/// then promoted (dotnet-trace of a header FETCH of 100,000, 2026-11-29: ≈ a fifth of its thread).
/// </remarks>
internal sealed class SearchHeaders
{
    /// <summary>Where "Date" is in <see cref="Names"/>.</summary>
    private const int DateName = 5;

    private readonly string _values;
    private readonly Slot[] _slots;

    private SearchHeaders(string key, string values, Slot[] slots)
    {
        Key = key;
        _values = values;
        _slots = slots;
    }

    /// <summary>The Maildir key the fields were read from: a message never changes under its key.</summary>
    public string Key { get; }

    /// <summary>The cached fields present in the header, as (canonical name, decoded value), in file order (made on request).</summary>
    public (string Field, string Value)[] Fields
    {
        get
        {
            var fields = new (string, string)[_slots.Length];
            for (var i = 0; i < _slots.Length; i++)
            {
                fields[i] = (Names[_slots[i].Name], _values.Substring(_slots[i].Start, _slots[i].Length));
            }

            return fields;
        }
    }

    /// <summary>Field names kept; HEADER on any other name reads the file.</summary>
    private static readonly string[] Names = ["Subject", "From", "To", "Cc", "Bcc", "Date", "Sender", "Reply-To", "Message-ID", "In-Reply-To"];

    /// <summary>The canonical name when <paramref name="field"/> is one of the kept fields (compared case-insensitively), else null.</summary>
    public static string? Kept(string field)
    {
        foreach (var name in Names)
        {
            if (name.Equals(field, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>The kept fields of a parsed header block (an unparsable one is kept as no fields: the file cannot answer either).</summary>
    public static SearchHeaders From(string key, HeaderList? headers)
    {
        var fields = new Builder();
        try
        {
            if (headers is not null)
            {
                foreach (var header in headers)
                {
                    if (NameIndex(header.Field) is var name and >= 0)
                    {
                        fields.Add(name, header.Value);
                    }
                }
            }

            return fields.Build(key);
        }
        finally
        {
            fields.Return();
        }
    }

    /// <summary>
    /// The kept fields of a header block given as octets (up to and including its empty line, or the
    /// whole message: the scan stops at the empty line), with exactly the values
    /// <see cref="From(string, HeaderList?)"/> gives for the same octets. Plain ASCII fields are cut out
    /// and unfolded here, with no MimeKit parse (a FETCH of a whole folder fills the cache on the way at
    /// a small fraction of what the FETCH costs); a block holding anything MimeKit might read otherwise
    /// (encoded words or 8-bit octets in a kept field, control characters, a line that is neither a
    /// field nor a continuation) goes to MimeKit, so the answer never depends on which path ran.
    /// </summary>
    public static SearchHeaders Parse(string key, ReadOnlySpan<byte> header)
    {
        var fields = new Builder();
        try
        {
            if (TryScan(header, ref fields))
            {
                return fields.Build(key);
            }
        }
        finally
        {
            fields.Return();
        }

        HeaderList? headers;
        try
        {
            using var stream = new MemoryStream(header.ToArray(), writable: false);
            headers = HeaderList.Load(ParserOptions.Default, stream);
        }
        catch (FormatException)
        {
            headers = null;
        }

        return From(key, headers);
    }

    /// <summary>The simple case of <see cref="Parse"/>: false as soon as the block needs MimeKit's reading.</summary>
    private static bool TryScan(ReadOnlySpan<byte> header, ref Builder fields)
    {
        var reader = new HeaderFieldReader(header);
        while (reader.Next())
        {
            if (KeptName(reader.Name) is var name and >= 0 && !AddValue(reader.Value, name, ref fields))
            {
                return false;
            }
        }

        return !reader.Odd;
    }

    /// <summary>
    /// Adds a field's value as <see cref="Header.Value"/> reads it: line ends dropped, white space trimmed
    /// at both ends. False when the raw octets need RFC 2047 or charset decoding (or hold controls).
    /// </summary>
    private static bool AddValue(ReadOnlySpan<byte> raw, int name, ref Builder fields)
    {
        foreach (var c in raw)
        {
            if (c >= 0x7F || (c < 0x20 && c is not ((byte)'\t' or (byte)'\r' or (byte)'\n')))
            {
                return false;
            }
        }

        if (raw.IndexOf("=?"u8) >= 0)
        {
            return false;
        }

        Span<char> buffer = raw.Length <= 512 ? stackalloc char[raw.Length] : new char[raw.Length];
        var length = 0;
        foreach (var c in raw)
        {
            if (c is not ((byte)'\r' or (byte)'\n'))
            {
                buffer[length++] = (char)c;
            }
        }

        fields.Add(name, buffer[..length].Trim());
        return true;
    }

    /// <summary>The index in <see cref="Names"/> of an ASCII field name, else -1.</summary>
    private static int KeptName(ReadOnlySpan<byte> field)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (field.Length == Names[i].Length && Ascii.EqualsIgnoreCase(field, Names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The index in <see cref="Names"/> of a field name (compared case-insensitively), else -1.</summary>
    private static int NameIndex(string field)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (Names[i].Equals(field, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True when a field named <paramref name="field"/> (canonical) contains <paramref name="text"/> (case-insensitive).</summary>
    public bool Contains(string field, string text)
    {
        var wanted = NameIndex(field);
        foreach (var slot in _slots)
        {
            // The same comparison string.Contains makes, over the value in place.
            if (slot.Name == wanted && _values.AsSpan(slot.Start, slot.Length).Contains(text, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first Date field's decoded value, or null (what <c>HeaderList[HeaderId.Date]</c> gives).</summary>
    public string? Date
    {
        get
        {
            foreach (var slot in _slots)
            {
                if (slot.Name == DateName)
                {
                    return _values.Substring(slot.Start, slot.Length);
                }
            }

            return null;
        }
    }

    /// <summary>One kept field: its name's index in <see cref="Names"/>, where its value is in the values string.</summary>
    private readonly record struct Slot(byte Name, int Start, int Length);

    /// <summary>Collects values into pooled buffers, then makes the one string and the one array kept.</summary>
    private struct Builder
    {
        private char[]? _chars;
        private Slot[]? _slots;
        private int _length;
        private int _count;

        public void Add(int name, ReadOnlySpan<char> value)
        {
            var chars = _chars is null || _chars.Length - _length < value.Length ? _chars = Grow(_chars, _length, _length + value.Length) : _chars;
            var slots = _slots is null || _slots.Length == _count ? _slots = Grow(_slots, _count, _count + 1) : _slots;
            value.CopyTo(chars.AsSpan(_length));
            slots[_count++] = new Slot((byte)name, _length, value.Length);
            _length += value.Length;
        }

        public readonly SearchHeaders Build(string key) =>
            new(key, _length == 0 ? string.Empty : new string(_chars!, 0, _length), _count == 0 ? [] : _slots.AsSpan(0, _count).ToArray());

        public void Return()
        {
            if (_chars is not null)
            {
                ArrayPool<char>.Shared.Return(_chars);
            }

            if (_slots is not null)
            {
                ArrayPool<Slot>.Shared.Return(_slots);
            }

            _chars = null;
            _slots = null;
        }

        private static T[] Grow<T>(T[]? array, int used, int needed)
        {
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(needed, Math.Max(16, (array?.Length ?? 0) * 2)));
            if (array is not null)
            {
                array.AsSpan(0, used).CopyTo(larger);
                ArrayPool<T>.Shared.Return(array);
            }

            return larger;
        }
    }
}
