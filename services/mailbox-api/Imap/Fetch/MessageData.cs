using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>
/// One message loaded for FETCH/SEARCH: its octets with every line ending as CRLF (what IMAP sends
/// and what RFC822.SIZE counts, whatever the file uses), its internal date (the file's mtime, as in
/// Dovecot's Maildir) and its MIME tree, parsed on first use.
/// </summary>
internal sealed class MessageData
{
    private MimeNode? _root;

    private MessageData(byte[] bytes, DateTimeOffset internalDate)
    {
        Bytes = bytes;
        InternalDate = internalDate;
    }

    public byte[] Bytes { get; }

    public DateTimeOffset InternalDate { get; }

    public MimeNode Root => _root ??= MimeNode.Parse(Bytes);

    /// <summary>Loads the message wherever it is now, or null when it has been expunged.</summary>
    public static MessageData? Load(MaildirFolder folder, MaildirMessage message)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = attempt == 0 ? message : folder.Locate(message);
            if (current is null)
            {
                return null;
            }

            var path = folder.FullPath(current);
            try
            {
                var bytes = File.ReadAllBytes(path);
                var date = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
                return new MessageData(ToCrlf(bytes), date);
            }
            catch (FileNotFoundException)
            {
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        return null;
    }

    /// <summary>The internal date without reading the file (SEARCH BEFORE/SINCE, SORT ARRIVAL).</summary>
    public static DateTimeOffset? InternalDateOf(MaildirFolder folder, MaildirMessage message)
    {
        var current = File.Exists(folder.FullPath(message)) ? message : folder.Locate(message);
        return current is null ? null : new DateTimeOffset(File.GetLastWriteTimeUtc(folder.FullPath(current)), TimeSpan.Zero);
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
