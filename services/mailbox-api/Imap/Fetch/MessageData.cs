using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>
/// One message loaded for FETCH/SEARCH: its octets with every line ending as CRLF (what IMAP sends
/// and what RFC822.SIZE counts, whatever the file uses), its internal date (from the index) and its MIME tree, parsed on first use.
/// </summary>
internal sealed class MessageData
{
    private MimeNode? _root;
    private MimeKit.HeaderList? _topHeaders;

    private MessageData(byte[] bytes, DateTimeOffset internalDate)
    {
        Bytes = bytes;
        InternalDate = internalDate;
    }

    public byte[] Bytes { get; }

    public DateTimeOffset InternalDate { get; }

    public MimeNode Root => _root ??= MimeNode.Parse(Bytes);

    /// <summary>
    /// The message's own header up to and including the empty line (BODY[HEADER], RFC822.HEADER), found
    /// without parsing the MIME tree: a header FETCH of a whole folder needs no more than this.
    /// </summary>
    public ReadOnlySpan<byte> HeaderBytes => _root is { } root ? root.HeaderBytes : HeaderOnly ? Bytes : Bytes.AsSpan(0, MimeNode.BodyStartOf(Bytes));

    /// <summary>The message's body after its header (BODY[TEXT], RFC822.TEXT), without parsing the MIME tree.</summary>
    public ReadOnlySpan<byte> BodyBytes => _root is { } root ? root.BodyBytes : Bytes.AsSpan(MimeNode.BodyStartOf(Bytes));

    /// <summary>The message's own header (ENVELOPE), without parsing its parts when <see cref="Root"/> was not needed.</summary>
    public MimeKit.HeaderList TopHeaders => _root?.Headers ?? (_topHeaders ??= MimeNode.ParseHeaders(Bytes));

    /// <summary>
    /// True when only the message's header was read (<see cref="LoadHeader"/>): <see cref="Bytes"/> then
    /// ends with the header's empty line and holds no body.
    /// </summary>
    public bool HeaderOnly { get; private init; }

    /// <summary>
    /// Loads the message's header only, up to and including its empty line (the whole file when it has
    /// none), or null when the message has been expunged: what a FETCH of BODY[HEADER] or ENVELOPE over
    /// a whole folder needs, without reading and converting every body.
    /// </summary>
    public static MessageData? LoadHeader(MessageFileReader reader, MessageRecord message)
    {
        // One open, one read for most files; the size and date, if not read yet, are counted from the same read.
        return reader.ReadHeader(message) is { } header ? new MessageData(header, message.InternalDate) { HeaderOnly = true } : null;
    }

    /// <summary>The octets of the file from its start through the header's empty line (all of it when there is none), as stored.</summary>
    public static byte[] ReadHeader(Stream stream)
    {
        // Most headers fit the first 4 KB (one read); a longer one is read on in doubling blocks.
        var buffer = new byte[(int)Math.Clamp(stream.Length, 1, 4096)];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                return buffer[..filled];
            }

            filled += read;
            if (MessageHeaderRead.HeaderEnd(buffer.AsSpan(0, filled)) is var end and >= 0)
            {
                return buffer[..end];
            }
        }
    }

    /// <summary>Loads the message wherever it is now, or null when it has been expunged.</summary>
    public static MessageData? Load(MailFolder folder, MessageRecord message) =>
        folder.ReadMessage(message) is { } octets ? new MessageData(octets, message.InternalDate) : null;

    /// <summary>The same through a FETCH's reader: an open, a read and a close of the file for most messages.</summary>
    public static MessageData? Load(MessageFileReader reader, MessageRecord message) =>
        reader.ReadMessage(message) is { } octets ? new MessageData(octets, message.InternalDate) : null;
}
