namespace Facteur.MailStore.Folders;

/// <summary>
/// The RFC 822 size of a message file: its octets with every bare LF counted as CRLF. This is
/// Dovecot's "virtual size" (the <c>W=</c> of file names) and what POP3 LIST and IMAP RFC822.SIZE
/// report, because that is what goes on the wire.
/// </summary>
public static class MessageVirtualSize
{
    public static long Compute(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        long size = 0;
        var previous = (byte)0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            size += read;
            for (var i = 0; i < read; i++)
            {
                var b = buffer[i];
                if (b == (byte)'\n' && previous != (byte)'\r')
                {
                    size++;
                }

                previous = b;
            }
        }

        return size;
    }

    /// <summary>The size of the file at <paramref name="path"/>, or null when it vanished.</summary>
    public static long? Compute(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            return Compute(stream);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
