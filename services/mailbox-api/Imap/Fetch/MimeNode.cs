using MimeKit;

namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>
/// The byte-exact MIME structure of a message (RFC 2045/2046): for each entity where its header
/// and body start and end, so BODY[section] returns exactly the octets of the file and
/// BODYSTRUCTURE sizes match them. Headers are parsed with MimeKit.
/// </summary>
internal sealed class MimeNode
{
    private const int MaxDepth = 40;

    private MimeNode(byte[] data, int headerStart, int bodyStart, int end, HeaderList headers, ContentType contentType)
    {
        Data = data;
        HeaderStart = headerStart;
        BodyStart = bodyStart;
        End = end;
        Headers = headers;
        ContentType = contentType;
    }

    public byte[] Data { get; }

    public int HeaderStart { get; }

    public int BodyStart { get; }

    public int End { get; }

    public HeaderList Headers { get; }

    public ContentType ContentType { get; }

    public List<MimeNode> Children { get; } = [];

    /// <summary>The embedded message of a message/rfc822 part.</summary>
    public MimeNode? Message { get; private set; }

    public bool IsMultipart => ContentType.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase) && Children.Count > 0;

    public bool IsMessage => Message is not null;

    public ReadOnlySpan<byte> HeaderBytes => Data.AsSpan(HeaderStart, BodyStart - HeaderStart);

    public ReadOnlySpan<byte> BodyBytes => Data.AsSpan(BodyStart, End - BodyStart);

    public static MimeNode Parse(byte[] data) => Parse(data, 0, data.Length, null, 0);

    /// <summary>Where the body of the entity in <paramref name="data"/> starts: after its header's empty line.</summary>
    public static int BodyStartOf(byte[] data) => FindBodyStart(data, 0, data.Length);

    /// <summary>The top-level header only (what ENVELOPE needs), exactly as <see cref="Parse(byte[])"/> reads it, without the parts.</summary>

    public static HeaderList ParseHeaders(byte[] data) => LoadHeaders(data, 0, FindBodyStart(data, 0, data.Length));

    private static MimeNode Parse(byte[] data, int start, int end, ContentType? defaultType, int depth)
    {
        var bodyStart = FindBodyStart(data, start, end);
        var headers = LoadHeaders(data, start, bodyStart);

        var contentType = defaultType ?? new ContentType("text", "plain") { Charset = "us-ascii" };
        if (headers["Content-Type"] is { } value && ContentType.TryParse(value, out var parsed))
        {
            contentType = parsed;
        }

        var node = new MimeNode(data, start, bodyStart, end, headers, contentType);
        if (depth >= MaxDepth)
        {
            return node;
        }

        if (contentType.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase))
        {
            if (contentType.Boundary is { Length: > 0 } boundary)
            {
                var childDefault = contentType.MediaSubtype.Equals("digest", StringComparison.OrdinalIgnoreCase) ? new ContentType("message", "rfc822") : null;
                foreach (var (partStart, partEnd) in SplitParts(data, bodyStart, end, boundary))
                {
                    node.Children.Add(Parse(data, partStart, partEnd, childDefault, depth + 1));
                }
            }

            // A multipart without a boundary, or whose boundary never occurs, has no parts, but
            // body-type-mpart needs at least one (RFC 3501 §9): like Dovecot, it gets one empty text/plain part.
            if (node.Children.Count == 0)
            {
                node.Children.Add(Parse(data, end, end, null, depth + 1));
            }
        }
        else if (contentType.IsMimeType("message", "rfc822") || contentType.IsMimeType("message", "global"))
        {
            node.Message = Parse(data, bodyStart, end, null, depth + 1);
        }

        return node;
    }

    private static HeaderList LoadHeaders(byte[] data, int start, int bodyStart)
    {
        try
        {
            using var stream = new MemoryStream(data, start, bodyStart - start, writable: false);
            return HeaderList.Load(ParserOptions.Default, stream);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>After the first empty line; the whole entity when there is none.</summary>
    private static int FindBodyStart(byte[] data, int start, int end)
    {
        var i = start;
        while (i < end)
        {
            // The header ends with an empty line: a line that is just CRLF (or LF).
            if (data[i] == (byte)'\n')
            {
                return i + 1;
            }

            if (data[i] == (byte)'\r' && i + 1 < end && data[i + 1] == (byte)'\n')
            {
                return i + 2;
            }

            var lf = Array.IndexOf(data, (byte)'\n', i, end - i);
            if (lf < 0)
            {
                return end;
            }

            i = lf + 1;
        }

        return end;
    }

    /// <summary>The body parts between "--boundary" lines; the CRLF before a delimiter belongs to it (RFC 2046 §5.1.1).</summary>
    private static List<(int Start, int End)> SplitParts(byte[] data, int start, int end, string boundary)
    {
        var delimiter = System.Text.Encoding.ASCII.GetBytes("--" + boundary);
        var parts = new List<(int, int)>();
        var partStart = -1;
        var lineStart = start;
        while (lineStart < end)
        {
            var lf = Array.IndexOf(data, (byte)'\n', lineStart, end - lineStart);
            var lineEnd = lf < 0 ? end : lf + 1;
            var line = data.AsSpan(lineStart, lineEnd - lineStart);
            if (line.StartsWith(delimiter))
            {
                var rest = line[delimiter.Length..];
                var closing = rest.StartsWith("--"u8);
                if (partStart >= 0)
                {
                    var partEnd = lineStart;
                    if (partEnd > partStart && data[partEnd - 1] == (byte)'\n')
                    {
                        partEnd--;
                        if (partEnd > partStart && data[partEnd - 1] == (byte)'\r')
                        {
                            partEnd--;
                        }
                    }

                    parts.Add((partStart, Math.Max(partStart, partEnd)));
                }

                if (closing)
                {
                    return parts;
                }

                partStart = lineEnd;
            }

            lineStart = lineEnd;
        }

        if (partStart >= 0 && partStart <= end)
        {
            parts.Add((partStart, end));
        }

        return parts;
    }

    /// <summary>
    /// Finds the entity of a section part number (RFC 3501 §6.4.5): a message's parts are its
    /// multipart body's children, or part 1 = its single body; a message/rfc822 part's sub-parts
    /// are those of the embedded message. Null when there is no such part.
    /// </summary>
    public MimeNode? Find(IReadOnlyList<int> path)
    {
        var node = this;
        var atMessage = true;
        foreach (var number in path)
        {
            if (!atMessage && node.Message is { } embedded)
            {
                node = embedded;
                atMessage = true;
            }

            if (node.IsMultipart)
            {
                if (number < 1 || number > node.Children.Count)
                {
                    return null;
                }

                node = node.Children[number - 1];
                atMessage = false;
            }
            else if (number == 1)
            {
                // Part 1 of a single-part entity is the entity itself: of a message (§6.4.5), and — as
                // UW imapd and Dovecot answer "BODY[3.1]" for a text/plain part 3 — of a leaf part too.
                atMessage = false;
            }
            else
            {
                return null;
            }
        }

        return node;
    }
}
