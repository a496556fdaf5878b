using System.Text;
using Facteur.MailboxApi.Imap.Fetch;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailStore.Index;
using MimeKit;
using MimeKit.Utils;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// Evaluates a search program on one message. String keys match case-insensitively as substrings
/// of the decoded header values or text parts (RFC 3501 §6.4.4), so encoded words and
/// quoted-printable/base64 bodies are searched as the user reads them.
/// Header keys on the common fields are answered from <see cref="SearchHeaderCache"/> when it has the
/// message; otherwise the file is read up to its header's empty line once and the fields kept there.
/// TEXT and BODY parse the file in place (MimeKit persistent parse: part contents stay in the file) and stream text parts
/// through <see cref="TextPartScan"/>, decoding a part's text only when its octets cannot settle it.
/// Dispose it after use: a parsed message keeps its file open.
/// </summary>
internal sealed class SearchEvaluator(SelectedMailbox mailbox, uint sequence, MailboxMessage entry) : IDisposable
{
    private MessageData? _data;
    private MimeMessage? _message;
    private MimeMessage? _parsed;
    private Stream? _file;
    private HeaderList? _headers;
    private SearchHeaders? _cached;
    private bool _loaded;
    private bool _headersLoaded;
    private byte[]? _octets;
    private bool _octetsLoaded;
    private bool _parsedLoaded;

    /// <summary>The cached header fields, read from the file (and cached) on a miss; null when the file is gone.</summary>
    private SearchHeaders? Cached
    {
        get
        {
            if (_cached is null && (_cached = SearchHeaderCache.Find(mailbox.Folder, entry.Record)) is null)
            {
                // Reading the header block keeps its fields (null only when the file is gone).
                _ = HeaderOctets;
            }

            return _cached;
        }
    }

    /// <summary>
    /// The top-level header block: from a message already parsed, else MimeKit's parse of the header's
    /// octets (<see cref="HeaderOctets"/>). Null when the file is gone or the header does not parse.
    /// Only HEADER on a field the cache does not keep needs it.
    /// </summary>
    private HeaderList? Headers
    {
        get
        {
            if (_message is not null)
            {
                return _message.Headers;
            }

            if (_parsed is not null)
            {
                return _parsed.Headers;
            }

            if (!_headersLoaded)
            {
                _headersLoaded = true;
                if (HeaderOctets is { } octets)
                {
                    try
                    {
                        _headers = HeaderList.Load(new MemoryStream(octets, writable: false));
                    }
                    catch (FormatException)
                    {
                        _headers = null; // kept as no fields: the file cannot answer either
                    }
                }
            }

            return _headers;
        }
    }

    /// <summary>
    /// The file read only up to its header's empty line, its kept fields put in the cache on the way
    /// (by the octet scan, no MimeKit parse for plain headers). Null when the file is gone.
    /// </summary>
    private byte[]? HeaderOctets
    {
        get
        {
            if (!_octetsLoaded)
            {
                _octetsLoaded = true;
                using var stream = mailbox.Folder.OpenMessage(entry.Record);
                if (stream is not null)
                {
                    _octets = MessageData.ReadHeader(stream);
                    _cached ??= SearchHeaderCache.Find(mailbox.Folder, entry.Record);
                    if (_cached is null)
                    {
                        _cached = SearchHeaders.Parse(entry.Record.Key, _octets);
                        SearchHeaderCache.Add(mailbox.Folder, entry.Record, _cached);
                    }
                }
            }

            return _octets;
        }
    }

    private MessageData? Data
    {
        get
        {
            if (!_loaded)
            {
                _loaded = true;
                _data = MessageData.Load(mailbox.Folder, entry.Record);
            }

            return _data;
        }
    }

    /// <summary>The message parsed from its octets with CRLF line ends: for needles that hold a line end.</summary>
    private MimeMessage? Message
    {
        get
        {
            if (_message is null && Data is { } data)
            {
                using var stream = new MemoryStream(data.Bytes, writable: false);
                try
                {
                    _message = MimeMessage.Load(stream);
                }
                catch (FormatException)
                {
                    return null;
                }
            }

            return _message;
        }
    }

    /// <summary>
    /// The message parsed in place from its file (contents left in the file until read). Line ends
    /// are as stored (LF or CRLF): same text as <see cref="Message"/> but for a CR before each LF,
    /// which no needle without a line end can tell apart.
    /// </summary>
    private MimeMessage? Parsed
    {
        get
        {
            if (!_parsedLoaded)
            {
                _parsedLoaded = true;
                _file = mailbox.Folder.OpenMessage(entry.Record);
                if (_file is not null)
                {
                    try
                    {
                        _parsed = new MimeParser(_file, MimeFormat.Default, persistent: true).ParseMessage();
                        _cached ??= SearchHeaderCache.Find(mailbox.Folder, entry.Record);
                        if (_cached is null)
                        {
                            // Read anyway: the next header search over this folder need not open the file.
                            _cached = SearchHeaders.From(entry.Record.Key, _parsed.Headers);
                            SearchHeaderCache.Add(mailbox.Folder, entry.Record, _cached);
                        }
                    }
                    catch (FormatException)
                    {
                        _parsed = null;
                    }
                }
            }

            return _parsed;
        }
    }

    public void Dispose()
    {
        _parsed?.Dispose();
        _file?.Dispose();
        _message?.Dispose();
    }

    public bool Matches(SearchKey key)
    {
        var flags = entry.Record.Flags;
        switch (key.Name)
        {
            case "AND": return key.Children.All(Matches);
            case "OR": return Matches(key.Children[0]) || Matches(key.Children[1]);
            case "NOT": return !Matches(key.Children[0]);
            case "ALL": return true;
            case "SEQ": return key.Set!.Contains(sequence, mailbox.Count);
            case "UID": return key.Set!.Contains(entry.Uid, mailbox.LastUid);
            case "ANSWERED": return flags.HasFlag(MessageFlags.Answered);
            case "UNANSWERED": return !flags.HasFlag(MessageFlags.Answered);
            case "DELETED": return flags.HasFlag(MessageFlags.Deleted);
            case "UNDELETED": return !flags.HasFlag(MessageFlags.Deleted);
            case "DRAFT": return flags.HasFlag(MessageFlags.Draft);
            case "UNDRAFT": return !flags.HasFlag(MessageFlags.Draft);
            case "FLAGGED": return flags.HasFlag(MessageFlags.Flagged);
            case "UNFLAGGED": return !flags.HasFlag(MessageFlags.Flagged);
            case "SEEN": return flags.HasFlag(MessageFlags.Seen);
            case "UNSEEN": return !flags.HasFlag(MessageFlags.Seen);
            // \Recent is not kept: no message is recent, all are old.
            case "RECENT" or "NEW": return false;
            case "OLD": return true;
            case "KEYWORD": return entry.Record.HasKeyword(key.Text!);
            case "UNKEYWORD": return !entry.Record.HasKeyword(key.Text!);
            case "LARGER": return entry.Record.Size > key.Number;
            case "SMALLER": return entry.Record.Size < key.Number;
            case "MODSEQ": return entry.Record.ModSeq >= (ulong)key.Number;
            case "BEFORE" or "ON" or "SINCE":
                return CompareDate(DateOnly.FromDateTime(entry.Record.InternalDate.UtcDateTime), key);
            case "SENTBEFORE" or "SENTON" or "SENTSINCE":
                // The date as written in the Date header, disregarding time and time zone (§6.4.4).
                return Cached?.Date is { } dateText
                    && CompareDate(DateOnly.FromDateTime((DateUtils.TryParse(dateText, out var sent) ? sent : DateTimeOffset.MinValue).DateTime), key);
            case "FROM" or "TO" or "CC" or "BCC" or "SUBJECT":
                return HeaderContains(key.Name, key.Text!);
            case "HEADER":
                // An empty string matches every message that has the field (§6.4.4).
                return HeaderContains(key.Field!, key.Text!);
            case "BODY":
                return BodyContains(key.Text!);
            case "TEXT":
                return TextContains(key.Text!);
            default:
                return false;
        }
    }

    private static bool CompareDate(DateOnly date, SearchKey key) => key.Name switch
    {
        "BEFORE" or "SENTBEFORE" => date < key.Date,
        "ON" or "SENTON" => date == key.Date,
        _ => date >= key.Date,
    };

    private bool HeaderContains(string field, string text)
    {
        if (SearchHeaders.Kept(field) is { } kept)
        {
            return Cached is { } cached && cached.Contains(kept, text);
        }

        return Headers is { } headers && headers.Any(h => h.Field.Equals(field, StringComparison.OrdinalIgnoreCase) && Contains(h.Value, text));
    }

    /// <summary>A needle holding a line end must see the text as IMAP shows it: CRLF, whatever the file stores.</summary>
    private static bool HasLineEnd(string text) => text.AsSpan().IndexOfAny('\r', '\n') >= 0;

    private bool TextContains(string text)
    {
        if (HasLineEnd(text))
        {
            return (Message is { } whole && whole.Headers.Any(h => Contains(h.Value, text))) || BodyContains(text);
        }

        return Parsed is { } message && (message.Headers.Any(h => Contains(h.Value, text)) || BodyContains(text));
    }

    private bool BodyContains(string text)
    {
        if (HasLineEnd(text))
        {
            return Message is { } whole && whole.BodyParts.OfType<TextPart>().Any(part => Contains(part.Text, text));
        }

        if (Parsed is not { } message)
        {
            return false;
        }

        var needle = TextPartScan.CanScan(text) ? Encoding.ASCII.GetBytes(text) : null;
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if ((needle is null ? null : TextPartScan.Contains(part, needle)) ?? Contains(part.Text, text))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(string? haystack, string needle) =>
        haystack is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);
}
