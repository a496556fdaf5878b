using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Facteur.SmtpGateway.Framing;

internal enum ProxyHeaderStatus
{
    NeedMoreData,
    Complete,
    Invalid,
}

/// <summary>
/// The HAProxy PROXY protocol header that a balancer sends before anything else
/// (haproxy.org proxy-protocol.txt). Version 1:
/// <code>
/// "PROXY" SP ( "TCP4" / "TCP6" ) SP src-ip SP dst-ip SP src-port SP dst-port CRLF   ; at most 107 octets
/// "PROXY" SP "UNKNOWN" *( any but CR/LF ) CRLF                                         ; use the socket's address
/// </code>
/// Version 2: the 12-octet signature, ver/cmd (0x21 PROXY, 0x20 LOCAL), family/protocol, a 16-bit
/// big-endian length, the addresses (IPv4 12 octets, IPv6 36), then TLVs we skip. LOCAL (health
/// checks from the balancer itself) and families other than INET/INET6 keep the socket's address.
/// </summary>
internal static class ProxyHeaderParser
{
    public const int MaxV1Length = 107;

    /// <summary>We don't need TLVs; a bigger header than this is not from a sane balancer.</summary>
    public const int MaxV2Length = 16 + 2048;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <param name="source">The real client, or null to keep the socket's address (UNKNOWN, LOCAL).</param>
    public static ProxyHeaderStatus TryParse(in ReadOnlySequence<byte> buffer, out IPEndPoint? source, out SequencePosition consumed)
    {
        source = null;
        consumed = buffer.Start;
        if (buffer.IsEmpty)
        {
            return ProxyHeaderStatus.NeedMoreData;
        }

        Span<byte> head = stackalloc byte[16];
        var have = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, have).CopyTo(head);
        head = head[..have];

        if (head[0] == V2Signature[0] && V2Signature.StartsWith(head[..Math.Min(have, 12)]))
        {
            return TryParseV2(buffer, head, out source, out consumed);
        }

        if ("PROXY "u8.StartsWith(head[..Math.Min(have, 6)]) || head.StartsWith("PROXY "u8))
        {
            return TryParseV1(buffer, out source, out consumed);
        }

        return ProxyHeaderStatus.Invalid;
    }

    private static ProxyHeaderStatus TryParseV1(in ReadOnlySequence<byte> buffer, out IPEndPoint? source, out SequencePosition consumed)
    {
        source = null;
        consumed = buffer.Start;
        var lf = buffer.PositionOf((byte)'\n');
        if (lf is null)
        {
            return buffer.Length >= MaxV1Length ? ProxyHeaderStatus.Invalid : ProxyHeaderStatus.NeedMoreData;
        }

        var line = buffer.Slice(0, lf.Value);
        if (line.Length + 1 > MaxV1Length || line.Length < 7)
        {
            return ProxyHeaderStatus.Invalid;
        }

        Span<byte> bytes = stackalloc byte[(int)line.Length];
        line.CopyTo(bytes);
        if (bytes[^1] != (byte)'\r' || !Ascii.IsValid(bytes))
        {
            return ProxyHeaderStatus.Invalid;
        }

        var parts = Encoding.ASCII.GetString(bytes[..^1]).Split(' ');
        consumed = buffer.GetPosition(1, lf.Value);
        if (parts.Length >= 2 && parts[0] == "PROXY" && parts[1] == "UNKNOWN")
        {
            return ProxyHeaderStatus.Complete;
        }

        if (parts.Length != 6 || parts[0] != "PROXY" || parts[1] is not ("TCP4" or "TCP6"))
        {
            return ProxyHeaderStatus.Invalid;
        }

        var family = parts[1] == "TCP4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (!IPAddress.TryParse(parts[2], out var src) || src.AddressFamily != family
            || !IPAddress.TryParse(parts[3], out var dst) || dst.AddressFamily != family
            || !TryParsePort(parts[4], out var srcPort) || !TryParsePort(parts[5], out _))
        {
            return ProxyHeaderStatus.Invalid;
        }

        source = new IPEndPoint(src, srcPort);
        return ProxyHeaderStatus.Complete;
    }

    private static bool TryParsePort(string text, out int port)
        => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is >= 0 and <= 65535 && (text.Length == 1 || text[0] != '0');

    private static ProxyHeaderStatus TryParseV2(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> head, out IPEndPoint? source, out SequencePosition consumed)
    {
        source = null;
        consumed = buffer.Start;
        if (head.Length < 16)
        {
            return ProxyHeaderStatus.NeedMoreData;
        }

        var versionCommand = head[12];
        var familyProtocol = head[13];
        var length = BinaryPrimitives.ReadUInt16BigEndian(head[14..16]);
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1 || 16 + length > MaxV2Length)
        {
            return ProxyHeaderStatus.Invalid;
        }

        if (buffer.Length < 16 + length)
        {
            return ProxyHeaderStatus.NeedMoreData;
        }

        Span<byte> body = stackalloc byte[length];
        buffer.Slice(16, length).CopyTo(body);
        consumed = buffer.GetPosition(16 + length);
        if ((versionCommand & 0x0F) == 0)
        {
            return ProxyHeaderStatus.Complete; // LOCAL: the balancer talking for itself
        }

        switch (familyProtocol >> 4)
        {
            case 0x1: // AF_INET
                if (length < 12)
                {
                    return ProxyHeaderStatus.Invalid;
                }

                source = new IPEndPoint(new IPAddress(body[..4]), BinaryPrimitives.ReadUInt16BigEndian(body[8..10]));
                return ProxyHeaderStatus.Complete;
            case 0x2: // AF_INET6
                if (length < 36)
                {
                    return ProxyHeaderStatus.Invalid;
                }

                source = new IPEndPoint(new IPAddress(body[..16]), BinaryPrimitives.ReadUInt16BigEndian(body[32..34]));
                return ProxyHeaderStatus.Complete;
            case 0x0: // AF_UNSPEC
            case 0x3: // AF_UNIX
                return ProxyHeaderStatus.Complete;
            default:
                return ProxyHeaderStatus.Invalid;
        }
    }
}
