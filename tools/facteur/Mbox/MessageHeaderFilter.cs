using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Facteur.Cli.Mbox;

/// <summary>
/// Copies one message out of an mbox, taking out the bookkeeping headers (<see cref="MboxFlags.IsBookkeepingHeader"/>)
/// and reading the flags, keywords and Dovecot's UIDs from them; everything else goes through byte for byte.
/// Counts the octets, the RFC 822 size (bare LF counted as CRLF, Dovecot's W=) and a SHA-256 of what it wrote,
/// which names the file so that importing the same mbox twice finds the copies already there.
/// </summary>
internal sealed class MessageHeaderFilter
{
    public MboxFlags Flags { get; } = new();

    /// <summary>X-UID: the message's UID in Dovecot's (or UW-IMAP's) mbox bookkeeping.</summary>
    public uint? Uid { get; private set; }

    /// <summary>X-IMAPbase or X-IMAP: <c>uidvalidity nextuid [keywords]</c>, kept in the first message.</summary>
    public (uint UidValidity, uint NextUid)? UidBase { get; private set; }

    /// <summary>The message is the "FOLDER INTERNAL DATA" placeholder UW-IMAP and Pine put first (it has X-IMAP).</summary>
    public bool IsFolderInternalData { get; private set; }

    public long Size { get; private set; }

    public long VirtualSize { get; private set; }

    public byte[] Sha256 { get; private set; } = [];

    public void Copy(Stream message, Stream output, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var lines = new LineSegmentReader(message);
        var inHeader = true;
        var skippingHeader = false;
        var headerText = new StringBuilder();
        string? headerName = null;
        var previous = (byte)0;
        while (lines.Next() is { } segment)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var span = segment.Bytes.Span;
            if (inHeader && segment.StartsLine)
            {
                if (segment.IsBlankLine)
                {
                    FinishHeader(headerName, headerText);
                    inHeader = false;
                    skippingHeader = false;
                }
                else if (span[0] is (byte)' ' or (byte)'\t')
                {
                    // A folded continuation belongs to the header before it.
                    if (skippingHeader)
                    {
                        headerText.Append(Encoding.Latin1.GetString(span).TrimEnd('\r', '\n'));
                        continue;
                    }
                }
                else
                {
                    FinishHeader(headerName, headerText);
                    headerName = null;
                    var colon = span.IndexOf((byte)':');
                    var name = colon > 0 ? Encoding.Latin1.GetString(span[..colon]).Trim() : string.Empty;
                    // Content-Length is the mbox server's own when it follows its X-UID (Dovecot writes both, and
                    // hides both from clients); otherwise it belongs to the message and stays.
                    skippingHeader = colon > 0 && (MboxFlags.IsBookkeepingHeader(name)
                        || (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && (Uid is not null || UidBase is not null)));
                    if (skippingHeader)
                    {
                        headerName = name;
                        headerText.Clear().Append(Encoding.Latin1.GetString(span[(colon + 1)..]).TrimEnd('\r', '\n'));
                        continue;
                    }
                }
            }
            else if (inHeader && skippingHeader)
            {
                continue; // the rest of a very long bookkeeping line
            }

            output.Write(span);
            hash.AppendData(span);
            Size += span.Length;
            VirtualSize += span.Length;
            foreach (var b in span)
            {
                if (b == (byte)'\n' && previous != (byte)'\r')
                {
                    VirtualSize++;
                }

                previous = b;
            }
        }

        if (inHeader)
        {
            FinishHeader(headerName, headerText);
        }

        Sha256 = hash.GetHashAndReset();
    }

    private void FinishHeader(string? name, StringBuilder value)
    {
        if (name is null)
        {
            return;
        }

        var text = value.ToString().Trim();
        value.Clear();
        if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
        {
            Flags.ApplyStatus(text);
        }
        else if (name.Equals("X-Status", StringComparison.OrdinalIgnoreCase))
        {
            Flags.ApplyXStatus(text);
        }
        else if (name.Equals("X-Keywords", StringComparison.OrdinalIgnoreCase))
        {
            Flags.ApplyXKeywords(text);
        }
        else if (name.Equals("X-UID", StringComparison.OrdinalIgnoreCase))
        {
            Uid = uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid > 0 ? uid : null;
        }
        else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
        {
            // "X-IMAPbase: <uidvalidity> <nextuid> [keywords…]"; X-IMAP marks the placeholder message.
            IsFolderInternalData |= name.Equals("X-IMAP", StringComparison.OrdinalIgnoreCase);
            var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2
                && uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var validity)
                && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var next)
                && validity > 0)
            {
                UidBase = (validity, next);
            }
        }
    }
}
