using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.Hosting.ProxyProtocol;

internal enum ProxyParseStatus
{
    Parsed,
    NeedMoreData,
    Invalid,
}

/// <summary>
/// HAProxy's PROXY protocol (haproxy.org/download/2.9/doc/proxy-protocol.txt), both versions.
/// <code>
/// v1 = "PROXY" SP ("TCP4" / "TCP6") SP src SP dst SP sport SP dport CRLF / "PROXY UNKNOWN" *(…) CRLF
///      ; at most 107 octets
/// v2 = 12-octet signature, ver/cmd (0x20 LOCAL, 0x21 PROXY), family/transport
///      (0x11 TCP4, 0x21 TCP6, others ignored), 2-octet length, addresses, TLVs (skipped)
/// </code>
/// Pure: no I/O; the caller feeds what it has read so far and gets the rest back in the buffer.
/// </summary>
internal static class ProxyHeaderParser
{
    public const int MaxV1Length = 107;

    /// <summary>TLVs are skipped; a header bigger than this is not from a sane balancer.</summary>
    public const int MaxV2Length = 16 + 2048;

    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyParseStatus TryParse(ref ReadOnlySequence<byte> buffer, out ProxyHeader header)
    {
        header = ProxyHeader.Local;
        var first = buffer.Slice(0, Math.Min(buffer.Length, V2Signature.Length)).ToArray();
        if (first.AsSpan().SequenceEqual(V2Signature.AsSpan(0, first.Length)))
        {
            return first.Length < V2Signature.Length ? ProxyParseStatus.NeedMoreData : ParseV2(ref buffer, out header);
        }

        var v1 = "PROXY "u8;
        var prefix = Math.Min(first.Length, v1.Length);
        if (first.AsSpan(0, prefix).SequenceEqual(v1[..prefix]))
        {
            return prefix < v1.Length ? ProxyParseStatus.NeedMoreData : ParseV1(ref buffer, out header);
        }

        return ProxyParseStatus.Invalid;
    }

    private static ProxyParseStatus ParseV1(ref ReadOnlySequence<byte> buffer, out ProxyHeader header)
    {
        header = ProxyHeader.Local;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8, advancePastDelimiter: true))
        {
            // The line must end in CRLF: a bare LF means the peer is not a PROXY v1 sender, so say so
            // now instead of waiting for the timeout.
            return buffer.Length >= MaxV1Length || buffer.PositionOf((byte)'\n') is not null
                ? ProxyParseStatus.Invalid
                : ProxyParseStatus.NeedMoreData;
        }

        if (line.PositionOf((byte)'\n') is not null)
        {
            return ProxyParseStatus.Invalid;
        }

        if (line.Length + 2 > MaxV1Length)
        {
            return ProxyParseStatus.Invalid;
        }

        var parts = Encoding.ASCII.GetString(line).Split(' ');
        buffer = buffer.Slice(reader.Position);
        if (parts.Length >= 2 && parts[1] == "UNKNOWN")
        {
            return ProxyParseStatus.Parsed;
        }

        if (parts.Length != 6 || parts[1] is not ("TCP4" or "TCP6"))
        {
            return ProxyParseStatus.Invalid;
        }

        var family = parts[1] == "TCP4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (!IPAddress.TryParse(parts[2], out var source) || source.AddressFamily != family
            || !IPAddress.TryParse(parts[3], out var destination) || destination.AddressFamily != family
            || !TryParsePort(parts[4], out var sourcePort) || !TryParsePort(parts[5], out var destinationPort))
        {
            return ProxyParseStatus.Invalid;
        }

        header = new ProxyHeader(new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyParseStatus.Parsed;
    }

    private static ProxyParseStatus ParseV2(ref ReadOnlySequence<byte> buffer, out ProxyHeader header)
    {
        header = ProxyHeader.Local;
        if (buffer.Length < 16)
        {
            return ProxyParseStatus.NeedMoreData;
        }

        Span<byte> fixedPart = stackalloc byte[16];
        buffer.Slice(0, 16).CopyTo(fixedPart);
        var versionCommand = fixedPart[12];
        var familyTransport = fixedPart[13];
        var length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1)
        {
            return ProxyParseStatus.Invalid;
        }

        if (16 + length > MaxV2Length)
        {
            return ProxyParseStatus.Invalid;
        }

        if (buffer.Length < 16 + length)
        {
            return ProxyParseStatus.NeedMoreData;
        }

        var body = buffer.Slice(16, length).ToArray();
        buffer = buffer.Slice(16 + length);
        if ((versionCommand & 0x0F) == 0)
        {
            return ProxyParseStatus.Parsed; // LOCAL: the proxy's own health check; keep the socket's addresses
        }

        switch (familyTransport)
        {
            case 0x11 when body.Length >= 12:
                header = new ProxyHeader(
                    new IPEndPoint(new IPAddress(body.AsSpan(0, 4)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(8))),
                    new IPEndPoint(new IPAddress(body.AsSpan(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(10))));
                return ProxyParseStatus.Parsed;
            case 0x21 when body.Length >= 36:
                header = new ProxyHeader(
                    new IPEndPoint(new IPAddress(body.AsSpan(0, 16)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(32))),
                    new IPEndPoint(new IPAddress(body.AsSpan(16, 16)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(34))));
                return ProxyParseStatus.Parsed;
            case 0x11 or 0x21:
                return ProxyParseStatus.Invalid;
            default:
                return ProxyParseStatus.Parsed; // UNSPEC, UDP or UNIX: nothing usable, keep the socket's addresses
        }
    }

    private static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535 && text.Length <= 5;
}
