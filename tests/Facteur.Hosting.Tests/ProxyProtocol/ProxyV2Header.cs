using System.Net;

namespace Facteur.Hosting.Tests.ProxyProtocol;

/// <summary>Builds PROXY v2 headers for tests (also linked into the SMTP gateway's tests).</summary>
internal static class ProxyV2Header
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] Build(byte command, byte family, byte[] addresses)
        => [.. Signature, (byte)(0x20 | command), family, (byte)(addresses.Length >> 8), (byte)addresses.Length, .. addresses];

    public static byte[] Tcp4(string source, int sourcePort, string destination, int destinationPort)
        => Build(1, 0x11, [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort]);
}
