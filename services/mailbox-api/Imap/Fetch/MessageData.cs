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
    public ReadOnlySpan<byte> HeaderBytes => _root is { } root ? root.HeaderBytes : Bytes.AsSpan(0, MimeNode.BodyStartOf(Bytes));

    /// <summary>The message's body after its header (BODY[TEXT], RFC822.TEXT), without parsing the MIME tree.</summary>
    public ReadOnlySpan<byte> BodyBytes => _root is { } root ? root.BodyBytes : Bytes.AsSpan(MimeNode.BodyStartOf(Bytes));

    /// <summary>The message's own header (ENVELOPE), without parsing its parts when <see cref="Root"/> was not needed.</summary>
    public MimeKit.HeaderList TopHeaders => _root?.Headers ?? (_topHeaders ??= MimeNode.ParseHeaders(Bytes));

    /// <summary>Loads the message wherever it is now, or null when it has been expunged.</summary>
    public static MessageData? Load(MailFolder folder, MessageRecord message)
    {
        using var stream = folder.OpenMessage(message);
        if (stream is null)
        {
            return null;
        }

        // One array of the file's size, filled straight from the file: no growing copy, no second copy.
        var bytes = new byte[stream.Length];
        var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read < bytes.Length)
        {
            Array.Resize(ref bytes, read); // shortened while open (it should not be: Maildir files never change)
        }

        return new MessageData(ToCrlf(bytes), message.InternalDate);
    }

    private static byte[] ToCrlf(byte[] bytes)
    {
        var bare = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n' && (i == 0 || bytes[i - 1] != (byte)'\r'))
            {
                bare++;
            }
        }

        if (bare == 0)
        {
            return bytes;
        }

        var result = new byte[bytes.Length + bare];
        var j = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n' && (i == 0 || bytes[i - 1] != (byte)'\r'))
            {
                result[j++] = (byte)'\r';
            }

            result[j++] = bytes[i];
        }

        return result;
    }
}
