using Facteur.MailboxApi.Imap.Fetch;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailStore.Folders;
using MimeKit;

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
    private bool _loaded;

    private MessageData? Data
    {
        get
        {
            if (!_loaded)
            {
                _loaded = true;
                _data = MessageData.Load(mailbox.Folder, entry.Message);
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
        var flags = entry.Message.Flags;
        switch (key.Name)
        {
            case "AND": return key.Children.All(Matches);
            case "OR": return Matches(key.Children[0]) || Matches(key.Children[1]);
            case "NOT": return !Matches(key.Children[0]);
            case "ALL": return true;
            case "SEQ": return key.Set!.Contains(sequence, mailbox.Count);
            case "UID": return key.Set!.Contains(entry.Uid, mailbox.LastUid);
            case "ANSWERED": return flags.HasFlag(MaildirFlags.Replied);
            case "UNANSWERED": return !flags.HasFlag(MaildirFlags.Replied);
            case "DELETED": return flags.HasFlag(MaildirFlags.Trashed);
            case "UNDELETED": return !flags.HasFlag(MaildirFlags.Trashed);
            case "DRAFT": return flags.HasFlag(MaildirFlags.Draft);
            case "UNDRAFT": return !flags.HasFlag(MaildirFlags.Draft);
            case "FLAGGED": return flags.HasFlag(MaildirFlags.Flagged);
            case "UNFLAGGED": return !flags.HasFlag(MaildirFlags.Flagged);
            case "SEEN": return flags.HasFlag(MaildirFlags.Seen);
            case "UNSEEN": return !flags.HasFlag(MaildirFlags.Seen);
            // \Recent is not kept: no message is recent, all are old.
            case "RECENT" or "NEW": return false;
            case "OLD": return true;
            case "KEYWORD": return ImapFlags.Parse(key.Text!) is var f && f != MaildirFlags.None && flags.HasFlag(f);
            case "UNKEYWORD": return !(ImapFlags.Parse(key.Text!) is var g && g != MaildirFlags.None && flags.HasFlag(g));
            case "LARGER": return Data is { } a && a.Bytes.Length > key.Number;
            case "SMALLER": return Data is { } b && b.Bytes.Length < key.Number;
            case "BEFORE" or "ON" or "SINCE":
                return MessageData.InternalDateOf(mailbox.Folder, entry.Message) is { } internalDate && CompareDate(DateOnly.FromDateTime(internalDate.UtcDateTime), key);
            case "SENTBEFORE" or "SENTON" or "SENTSINCE":
                // The date as written in the Date header, disregarding time and time zone (§6.4.4).
                return Message is { } sentMessage && sentMessage.Headers.Contains(HeaderId.Date) && CompareDate(DateOnly.FromDateTime(sentMessage.Date.DateTime), key);
            case "FROM" or "TO" or "CC" or "BCC" or "SUBJECT":
                return HeaderContains(key.Name, key.Text!);
            case "HEADER":
                // An empty string matches every message that has the field (§6.4.4).
                return HeaderContains(key.Field!, key.Text!);
            case "BODY":
                return BodyContains(key.Text!);
            case "TEXT":
                return BodyContains(key.Text!) || (Message is { } m && m.Headers.Any(h => Contains(h.Value, key.Text!)));
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
        Message is { } message && message.Headers.Any(h => h.Field.Equals(field, StringComparison.OrdinalIgnoreCase) && Contains(h.Value, text));

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
