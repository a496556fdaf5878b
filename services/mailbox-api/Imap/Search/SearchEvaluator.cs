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
/// </summary>
internal sealed class SearchEvaluator(SelectedMailbox mailbox, uint sequence, MailboxMessage entry)
{
    private MessageData? _data;
    private MimeMessage? _message;
    private HeaderList? _headers;
    private bool _loaded;
    private bool _headersLoaded;

    /// <summary>
    /// The top-level header block alone: header keys (FROM, SUBJECT, HEADER, SENT*) read the file only
    /// up to its first blank line and parse no MIME tree, which is most of what a SEARCH SUBJECT over
    /// a large folder used to cost.
    /// </summary>
    private HeaderList? Headers
    {
        get
        {
            if (_message is not null)
            {
                return _message.Headers;
            }

            if (!_headersLoaded)
            {
                _headersLoaded = true;
                using var stream = mailbox.Folder.OpenMessage(entry.Record);
                if (stream is not null)
                {
                    try
                    {
                        _headers = HeaderList.Load(stream);
                    }
                    catch (FormatException)
                    {
                        _headers = null;
                    }
                }
            }

            return _headers;
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
                return Headers is { } sentHeaders && sentHeaders[HeaderId.Date] is { } dateText
                    && CompareDate(DateOnly.FromDateTime((DateUtils.TryParse(dateText, out var sent) ? sent : DateTimeOffset.MinValue).DateTime), key);
            case "FROM" or "TO" or "CC" or "BCC" or "SUBJECT":
                return HeaderContains(key.Name, key.Text!);
            case "HEADER":
                // An empty string matches every message that has the field (§6.4.4).
                return HeaderContains(key.Field!, key.Text!);
            case "BODY":
                return BodyContains(key.Text!);
            case "TEXT":
                return (Headers is { } all && all.Any(h => Contains(h.Value, key.Text!))) || BodyContains(key.Text!);
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

    private bool HeaderContains(string field, string text) =>
        Headers is { } headers && headers.Any(h => h.Field.Equals(field, StringComparison.OrdinalIgnoreCase) && Contains(h.Value, text));

    private bool BodyContains(string text)
    {
        if (Message is not { } message)
        {
            return false;
        }

        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (Contains(part.Text, text))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(string? haystack, string needle) =>
        haystack is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);
}
