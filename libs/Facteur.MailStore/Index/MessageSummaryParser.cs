using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Facteur.MailStore.Index;

/// <summary>
/// Parses a message file once with MimeKit into a <see cref="MessageSummary"/>: the ENVELOPE, the
/// BODYSTRUCTURE tree with each part's file offsets (from MimeParser's entity begin/end events), and
/// the SORT/THREAD fields. Content is not loaded (persistent parse): parts are counted by seeking.
/// </summary>
internal static class MessageSummaryParser
{
    public static MessageSummary Parse(Stream stream, CancellationToken cancellationToken)
    {
        var begins = new Dictionary<MimeEntity, long>(ReferenceEqualityComparer.Instance);
        var ends = new Dictionary<MimeEntity, (long HeadersEnd, long End)>(ReferenceEqualityComparer.Instance);
        var parser = new MimeParser(stream, MimeFormat.Entity, persistent: true);
        parser.MimeEntityBegin += (_, e) => begins[e.Entity] = e.BeginOffset;
        parser.MimeEntityEnd += (_, e) => ends[e.Entity] = (e.HeadersEndOffset, e.EndOffset);
        var message = parser.ParseMessage(cancellationToken);
        var context = new Context(stream, begins, ends);
        var body = context.Build(message.Body ?? new TextPart("plain"), headerOffset: 0);
        var envelope = Envelope(message.Headers);
        return new MessageSummary(envelope, body, Sort(message));
    }

    internal static MessageEnvelope Envelope(HeaderList headers)
    {
        var from = Addresses(headers, HeaderId.From);
        var sender = Addresses(headers, HeaderId.Sender);
        var replyTo = Addresses(headers, HeaderId.ReplyTo);
        return new MessageEnvelope(
            Raw(headers, HeaderId.Date),
            Raw(headers, HeaderId.Subject),
            from,
            sender.Count > 0 ? sender : from, // RFC 3501 §7.4.2: absent Sender/Reply-To default to From
            replyTo.Count > 0 ? replyTo : from,
            Addresses(headers, HeaderId.To),
            Addresses(headers, HeaderId.Cc),
            Addresses(headers, HeaderId.Bcc),
            Raw(headers, HeaderId.InReplyTo),
            Raw(headers, HeaderId.MessageId));
    }

    private static SortFields Sort(MimeMessage message)
    {
        var (baseSubject, marked) = BaseSubject.Extract(message.Subject);
        DateTimeOffset? sent = null;
        if (Raw(message.Headers, HeaderId.Date) is { } date && DateUtils.TryParse(date, out var parsed))
        {
            sent = parsed;
        }

        var firstFrom = message.From.Mailboxes.FirstOrDefault();
        var firstTo = message.To.Mailboxes.FirstOrDefault();
        var firstCc = message.Cc.Mailboxes.FirstOrDefault();
        var inReplyTo = Raw(message.Headers, HeaderId.InReplyTo) is { } irt ? MimeUtils.EnumerateReferences(irt).ToList() : [];
        return new SortFields(
            baseSubject,
            marked,
            sent,
            firstFrom?.LocalPart,
            firstTo?.LocalPart,
            firstCc?.LocalPart,
            Display(firstFrom),
            Display(firstTo),
            string.IsNullOrEmpty(message.MessageId) ? null : message.MessageId,
            inReplyTo,
            message.References.ToList());
    }

    private static string? Display(MailboxAddress? address) =>
        address is null ? null : string.IsNullOrEmpty(address.Name) ? address.Address : address.Name;

    /// <summary>The first header's raw value, unfolded and trimmed, or null when absent.</summary>
    internal static string? Raw(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        if (index < 0)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(headers[index].RawValue);
        return text.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Trim();
    }

    private static List<EnvelopeAddress> Addresses(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        if (index < 0 || !InternetAddressList.TryParse(ParserOptions.Default, headers[index].RawValue, out var list))
        {
            return [];
        }

        var result = new List<EnvelopeAddress>();
        // Names as written in the header when the raw scan agrees with MimeKit on the mailboxes.
        var raw = RawPhrases.Extract(Encoding.UTF8.GetString(headers[index].RawValue));
        var names = raw.Count == list.Mailboxes.Count() ? new Queue<string?>(raw) : null;
        foreach (var address in list)
        {
            Add(result, address, names);
        }

        return result;
    }

    private static void Add(List<EnvelopeAddress> result, InternetAddress address, Queue<string?>? names)
    {
        switch (address)
        {
            case MailboxAddress mailbox:
                var route = mailbox.Route.Count > 0 ? string.Join(',', mailbox.Route.Select(d => "@" + d)) : null;
                var name = names is not null ? names.Dequeue() : Phrase(mailbox.Name);
                result.Add(new EnvelopeAddress(name, route, mailbox.LocalPart, mailbox.Domain ?? string.Empty));
                break;
            case GroupAddress group:
                // RFC 3501 §7.4.2: group start (NIL NIL "name" NIL), members, end (NIL NIL NIL NIL).
                result.Add(new EnvelopeAddress(null, null, group.Name ?? string.Empty, null));
                foreach (var member in group.Members)
                {
                    Add(result, member, names);
                }

                result.Add(new EnvelopeAddress(null, null, null, null));
                break;
        }
    }

    /// <summary>The display name as it would appear in the header: non-ASCII re-encoded as RFC 2047 words.</summary>
    private static string? Phrase(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        return name.All(char.IsAscii) ? name : Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, name));
    }

    private sealed class Context(Stream stream, Dictionary<MimeEntity, long> begins, Dictionary<MimeEntity, (long HeadersEnd, long End)> ends)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];

        public BodyPart Build(MimeEntity entity, long? headerOffset)
        {
            var begin = headerOffset ?? (begins.TryGetValue(entity, out var b) ? b : 0);
            var (headersEnd, end) = ends.TryGetValue(entity, out var e) ? e : (begin, begin);
            var contentType = entity.ContentType;
            var type = contentType.MediaType.ToLowerInvariant();
            var subtype = contentType.MediaSubtype.ToLowerInvariant();
            var parameters = contentType.Parameters.Select(p => new BodyParameter(p.Name, p.Value)).ToList();
            if (type == "text" && !parameters.Any(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)))
            {
                // RFC 2045 §5.2: the default charset of text is US-ASCII; Dovecot reports it explicitly.
                parameters.Add(new BodyParameter("charset", "us-ascii"));
            }

            var headers = entity.Headers;
            var disposition = entity.ContentDisposition;
            var language = Raw(headers, HeaderId.ContentLanguage) is { } lang
                ? lang.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
                : [];

            List<BodyPart> parts = [];
            EmbeddedMessage? embedded = null;
            long octets = 0, lines = 0;
            if (entity is Multipart multipart)
            {
                parts = multipart.Select(child => Build(child, null)).ToList();
            }
            else
            {
                (octets, lines) = Count(headersEnd, end);
                if (entity is MessagePart { Message: { } inner })
                {
                    embedded = new EmbeddedMessage(Envelope(inner.Headers), Build(inner.Body ?? new TextPart("plain"), headersEnd));
                }
            }

            return new BodyPart(
                type,
                subtype,
                parameters,
                Raw(headers, HeaderId.ContentId),
                Raw(headers, HeaderId.ContentDescription),
                Raw(headers, HeaderId.ContentTransferEncoding),
                octets,
                lines,
                Raw(headers, HeaderId.ContentMd5),
                disposition?.Disposition,
                disposition?.Parameters.Select(p => new BodyParameter(p.Name, p.Value)).ToList() ?? [],
                language,
                Raw(headers, HeaderId.ContentLocation),
                parts,
                embedded,
                begin,
                headersEnd,
                end);
        }

        /// <summary>
        /// Octets with line ends as CRLF, and lines, of the file range [start, end). Lines are the line
        /// ends in the range: a last line without one is not counted, as Dovecot counts them.
        /// </summary>
        private (long Octets, long Lines) Count(long start, long end)
        {
            if (end <= start)
            {
                return (0, 0);
            }

            stream.Position = start;
            long remaining = end - start, octets = 0, lines = 0;
            byte previous = 0;
            while (remaining > 0)
            {
                var read = stream.Read(_buffer, 0, (int)Math.Min(_buffer.Length, remaining));
                if (read == 0)
                {
                    break;
                }

                for (var i = 0; i < read; i++)
                {
                    var c = _buffer[i];
                    if (c == (byte)'\n')
                    {
                        lines++;
                        if (previous != (byte)'\r')
                        {
                            octets++;
                        }
                    }

                    previous = c;
                }

                octets += read;
                remaining -= read;
            }

            return (octets, lines);
        }
    }
}
