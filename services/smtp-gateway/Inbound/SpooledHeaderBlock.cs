using System.Buffers;
using System.Text;
using Facteur.MailStore.Folders;
using Microsoft.Win32.SafeHandles;

namespace Facteur.SmtpGateway.Inbound;

/// <summary>
/// The header block of a spooled message (RFC 5322 §2.1: the fields up to the first empty line),
/// read with one positioned read, and whether it may hold a DKIM-Signature field. A message that
/// has none needs only its header fields parsed for DMARC's From domain, not its body.
/// </summary>
internal readonly record struct SpooledHeaderBlock(byte[] Buffer, bool MayHaveDkimSignature)
{
    /// <summary>Header blocks larger than this take the full parse (they are rare and the scan would be bounded anyway).</summary>
    internal const int MaxLength = 32 * 1024;

    private const int Step = 4 * 1024;

    private static readonly byte[] DkimSignature = Encoding.ASCII.GetBytes("dkim-signature");

    /// <summary>Octets in the block (the array holds exactly the block).</summary>
    public int Length => Buffer.Length;

    /// <summary>
    /// The header block, or null when it does not end within <see cref="MaxLength"/> octets of a
    /// longer file (then only a full parse knows). The block includes the empty line.
    /// </summary>
    public static SpooledHeaderBlock? Read(SafeFileHandle file)
    {
        // Read in steps: a header block is usually well under one step, so a 100 KB message costs
        // one small read, and the block is copied out of a pooled buffer into an array of its size.
        var buffer = ArrayPool<byte>.Shared.Rent(MaxLength);
        try
        {
            var filled = 0;
            while (filled < MaxLength)
            {
                var read = RandomAccess.Read(file, buffer.AsSpan(filled, Math.Min(Step, MaxLength - filled)), filled);
                if (read <= 0)
                {
                    break;
                }

                filled += read;
                if (MessageHeaderRead.HeaderEnd(buffer.AsSpan(0, filled)) >= 0)
                {
                    break;
                }
            }

            // What was read holds the block (or all of a short message): the same limits as a message in memory.
            return Read(buffer.AsSpan(0, filled));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The same block out of a message held in memory (all its octets), with the same limits as <see cref="Read(SafeFileHandle)"/>.</summary>
    public static SpooledHeaderBlock? Read(ReadOnlySpan<byte> message)
    {
        var scanned = message[..Math.Min(message.Length, MaxLength)];
        var length = MessageHeaderRead.HeaderEnd(scanned);
        if (length < 0)
        {
            if (scanned.Length == MaxLength)
            {
                return null;
            }

            // No empty line: the whole message is header fields.
            length = scanned.Length;
        }

        var block = scanned[..length].ToArray();
        return new SpooledHeaderBlock(block, MayHave(block));
    }

    /// <summary>
    /// True when "DKIM-Signature" appears anywhere in the block, any case. Deliberately looser than
    /// a field-name match (a mention in another field's value also says yes): a false yes only
    /// costs the full parse, a false no would skip a signature (RFC 6376 §6).
    /// </summary>
    internal static bool MayHave(ReadOnlySpan<byte> block)
    {
        var first = DkimSignature[0];
        for (var i = 0; i <= block.Length - DkimSignature.Length; i++)
        {
            if ((block[i] | 0x20) == first && Ascii.EqualsIgnoreCase(block.Slice(i, DkimSignature.Length), DkimSignature))
            {
                return true;
            }
        }

        return false;
    }
}
