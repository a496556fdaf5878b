namespace Facteur.MailStore;

/// <summary>
/// Counts a message's octets (Dovecot's S=) and its RFC 822 size with every line ending as CRLF
/// (W=, what IMAP RFC822.SIZE reports): a bare LF counts two, a CRLF counts two. Works across
/// buffer boundaries, so a message is counted while it streams.
/// </summary>
internal struct VirtualSizeCounter
{
    private bool lastWasCr;

    public long Size { get; private set; }

    public long VirtualSize { get; private set; }

    public void Add(ReadOnlySpan<byte> bytes)
    {
        var bareLf = 0;
        var start = 0;
        int i;
        while ((i = bytes[start..].IndexOf((byte)'\n')) >= 0)
        {
            var at = start + i;
            var previousIsCr = at == 0 ? lastWasCr : bytes[at - 1] == (byte)'\r';
            if (!previousIsCr)
            {
                bareLf++;
            }

            start = at + 1;
            if (start == bytes.Length)
            {
                break;
            }
        }

        if (bytes.Length > 0)
        {
            lastWasCr = bytes[^1] == (byte)'\r';
        }

        Size += bytes.Length;
        VirtualSize += bytes.Length + bareLf;
    }
}
