using System.Text;
using Facteur.MailboxApi.Imap.Framing;

namespace Facteur.MailboxApi.Imap.Parsing;

/// <summary>
/// A cursor over one framed command (RFC 3501 §9 grammar): atoms, quoted strings, literals,
/// parenthesised lists, numbers. Every method throws <see cref="ImapParseException"/> on bad syntax.
/// </summary>
internal sealed class ImapParser(byte[] command, IReadOnlyList<SpilledLiteral>? spilled = null)
{
    private readonly byte[] _bytes = command;
    private int _position;

    public bool AtEnd
    {
        get
        {
            var p = _position;
            while (p < _bytes.Length && _bytes[p] is (byte)'\r' or (byte)'\n')
            {
                p++;
            }

            return p == _bytes.Length;
        }
    }

    public byte Peek() => _position < _bytes.Length ? _bytes[_position] : (byte)0;

    public bool PeekIs(char c) => Peek() == (byte)c;

    public bool TryConsume(char c)
    {
        if (PeekIs(c))
        {
            _position++;
            return true;
        }

        return false;
    }

    public void Expect(char c)
    {
        if (!TryConsume(c))
        {
            throw new ImapParseException(c == ' ' ? "Missing space" : $"Expected '{c}'");
        }
    }

    public void Space() => Expect(' ');

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw new ImapParseException("Unexpected characters at end of command");
        }
    }

    /// <summary>Consumes "word" case-insensitively if it comes next, followed by a space, ')' or end.</summary>
    public bool TryKeyword(string word)
    {
        if (_position + word.Length > _bytes.Length)
        {
            return false;
        }

        for (var i = 0; i < word.Length; i++)
        {
            if (char.ToUpperInvariant((char)_bytes[_position + i]) != char.ToUpperInvariant(word[i]))
            {
                return false;
            }
        }

        _position += word.Length;
        return true;
    }

    public static bool IsAtomChar(byte b, bool allowBracket) =>
        b > 0x20 && b < 0x7f && b is not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\')
        && (allowBracket || b != (byte)']');

    /// <summary>A tag: atom characters except '+' (RFC 3501 §9 tag).</summary>
    public string ReadTag()
    {
        var start = _position;
        while (_position < _bytes.Length && IsAtomChar(_bytes[_position], false) && _bytes[_position] != (byte)'+')
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Missing tag");
        }

        return Encoding.ASCII.GetString(_bytes, start, _position - start);
    }

    public string ReadAtom(bool allowBracket = true)
    {
        var start = _position;
        while (_position < _bytes.Length && IsAtomChar(_bytes[_position], allowBracket))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Expected an atom");
        }

        return Encoding.ASCII.GetString(_bytes, start, _position - start);
    }

    /// <summary>Reads characters allowed in a list-mailbox pattern (atom chars plus % and *) or a string.</summary>
    public string ReadListMailbox()
    {
        if (PeekIs('"') || PeekIs('{') || PeekIs('~'))
        {
            return ReadStringText();
        }

        var start = _position;
        while (_position < _bytes.Length && (IsAtomChar(_bytes[_position], true) || _bytes[_position] is (byte)'%' or (byte)'*'))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Expected a mailbox pattern");
        }

        return Encoding.UTF8.GetString(_bytes, start, _position - start);
    }

    /// <summary>A flag: <c>\\Name</c> or a keyword atom.</summary>
    public string ReadFlag()
    {
        if (TryConsume('\\'))
        {
            return "\\" + ReadAtom(allowBracket: false);
        }

        return ReadAtom(allowBracket: false);
    }

    public uint ReadNumber()
    {
        var start = _position;
        ulong value = 0;
        while (_position < _bytes.Length && _bytes[_position] is >= (byte)'0' and <= (byte)'9')
        {
            value = (value * 10) + (uint)(_bytes[_position] - '0');
            if (value > uint.MaxValue)
            {
                throw new ImapParseException("Number too large");
            }

            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Expected a number");
        }

        return (uint)value;
    }

    public ulong ReadNumber64()
    {
        var start = _position;
        ulong value = 0;
        while (_position < _bytes.Length && _bytes[_position] is >= (byte)'0' and <= (byte)'9')
        {
            checked
            {
                value = (value * 10) + (uint)(_bytes[_position] - '0');
            }

            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Expected a number");
        }

        return value;
    }

    /// <summary>astring: atom (']' allowed), quoted string or literal, as bytes.</summary>
    public byte[] ReadAstringBytes()
    {
        if (PeekIs('"') || PeekIs('{') || PeekIs('~'))
        {
            return ReadStringBytes();
        }

        var start = _position;
        while (_position < _bytes.Length && IsAtomChar(_bytes[_position], true))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Expected a string");
        }

        return _bytes[start.._position];
    }

    public string ReadAstring() => Encoding.UTF8.GetString(ReadAstringBytes());

    public string ReadStringText() => Encoding.UTF8.GetString(ReadStringBytes());

    /// <summary>quoted / literal (RFC 3501 §4.3) / literal8 <c>~{n}</c> (RFC 3516).</summary>
    public byte[] ReadStringBytes()
    {
        if (TryConsume('"'))
        {
            var value = new List<byte>();
            while (true)
            {
                if (_position >= _bytes.Length || _bytes[_position] is (byte)'\r' or (byte)'\n')
                {
                    throw new ImapParseException("Unterminated quoted string");
                }

                var b = _bytes[_position++];
                if (b == (byte)'"')
                {
                    return [.. value];
                }

                if (b == (byte)'\\')
                {
                    if (_position >= _bytes.Length || _bytes[_position] is not ((byte)'"' or (byte)'\\'))
                    {
                        throw new ImapParseException("Bad escape in quoted string");
                    }

                    b = _bytes[_position++];
                }

                if (b == 0)
                {
                    throw new ImapParseException("NUL in quoted string");
                }

                value.Add(b);
            }
        }

        return ReadLiteralOctets(ReadLiteralAnnouncement());
    }

    /// <summary>
    /// A string as a stream, for a message (APPEND): a literal the framing kept in a file is read
    /// from that file, so a large message is never held in memory. The frame owns the file.
    /// </summary>
    public Stream ReadStringContent()
    {
        if (PeekIs('"'))
        {
            return new MemoryStream(ReadStringBytes(), writable: false);
        }

        var size = ReadLiteralAnnouncement();
        if (SpilledHere() is { } spilledLiteral)
        {
            spilledLiteral.File.Position = 0;
            return spilledLiteral.File;
        }

        return new MemoryStream(ReadLiteralOctets(size), writable: false);
    }

    /// <summary>The literal's octets after its announcement: from the command, or back from its file (LiteralSpill).</summary>
    private byte[] ReadLiteralOctets(uint size)
    {
        if (SpilledHere() is { } spilledLiteral)
        {
            var octets = new byte[size];
            spilledLiteral.File.Position = 0;
            spilledLiteral.File.ReadExactly(octets);
            return octets;
        }

        if (_position + size > _bytes.Length)
        {
            throw new ImapParseException("Literal shorter than announced");
        }

        var bytes = _bytes[_position..(_position + (int)size)];
        _position += (int)size;
        return bytes;
    }

    /// <summary><c>{n}</c>, <c>{n+}</c> or <c>~{n}</c> and the line end after it (RFC 3501 §4.3, RFC 7888, RFC 3516).</summary>
    private uint ReadLiteralAnnouncement()
    {
        TryConsume('~');
        Expect('{');
        var size = ReadNumber();
        TryConsume('+');
        Expect('}');
        if (!TryConsume('\r'))
        {
            // bare LF tolerated
        }

        Expect('\n');
        return size;
    }

    /// <summary>The spilled literal whose octets belong where the cursor is, if any.</summary>
    private SpilledLiteral? SpilledHere()
    {
        foreach (var literal in spilled ?? [])
        {
            if (literal.Offset == _position)
            {
                return literal;
            }
        }

        return null;
    }

    /// <summary>nstring: NIL or a string.</summary>
    public byte[]? ReadNStringBytes()
    {
        if (TryKeyword("NIL"))
        {
            return null;
        }

        return ReadStringBytes();
    }

    /// <summary>Reads until the matching ')' is consumed, calling <paramref name="item"/> for each element; space separated.</summary>
    public void ReadList(Action item)
    {
        Expect('(');
        if (TryConsume(')'))
        {
            return;
        }

        while (true)
        {
            item();
            if (TryConsume(')'))
            {
                return;
            }

            Space();
        }
    }

    /// <summary>Characters up to (not including) a space, ')' or end: for sequence sets, dates and fetch attributes.</summary>
    public string ReadToken()
    {
        var start = _position;
        while (_position < _bytes.Length && _bytes[_position] is not ((byte)' ' or (byte)')' or (byte)'(' or (byte)'\r' or (byte)'\n'))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Missing argument");
        }

        return Encoding.ASCII.GetString(_bytes, start, _position - start);
    }

    /// <summary>Characters up to and including the first ']' (section spec of BODY[...]), with nested parens.</summary>
    public string ReadUntilBracket()
    {
        var start = _position;
        while (_position < _bytes.Length && _bytes[_position] != (byte)']')
        {
            if (_bytes[_position] is (byte)'\r' or (byte)'\n')
            {
                throw new ImapParseException("Unterminated section");
            }

            _position++;
        }

        if (_position >= _bytes.Length)
        {
            throw new ImapParseException("Unterminated section");
        }

        var text = Encoding.UTF8.GetString(_bytes, start, _position - start);
        _position++;
        return text;
    }
}
