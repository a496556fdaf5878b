using System.Buffers;
using System.Net;
using System.Text;
using Facteur.SmtpGateway.Framing;

namespace Facteur.SmtpGateway.Tests.Framing;

public sealed class ProxyHeaderParserTests
{
    internal static byte[] V2(byte command, byte family, byte[] addresses)
    {
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        return [.. signature, (byte)(0x20 | command), family, (byte)(addresses.Length >> 8), (byte)addresses.Length, .. addresses];
    }

    internal static byte[] V2Tcp4(string source, int sourcePort, string destination, int destinationPort)
        => V2(1, 0x11, [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort]);

    public static TheoryData<string, string?> V1Cases => new()
    {
        { "PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\r\n", "192.0.2.10:56324" },
        { "PROXY TCP6 2001:db8::10 2001:db8::1 4000 587\r\n", "[2001:db8::10]:4000" },
        { "PROXY UNKNOWN\r\n", null },
        { "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", null },
    };

    [Theory]
    [MemberData(nameof(V1Cases))]
    public void Version_1_headers_give_the_real_client(string header, string? source)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(header + "EHLO x\r\n"));
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(buffer, out var endPoint, out var consumed));
        Assert.Equal(source, endPoint?.ToString());
        Assert.Equal("EHLO x\r\n", Encoding.ASCII.GetString(buffer.Slice(consumed)));
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\n")]
    [InlineData("PROXY TCP4 2001:db8::1 198.51.100.1 1 25\r\n")]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 99999 25\r\n")]
    [InlineData("PROXY TCP5 192.0.2.10 198.51.100.1 1 25\r\n")]
    [InlineData("PROXY TCP4 192.0.2.10\r\n")]
    [InlineData("EHLO client.example\r\n")]
    [InlineData("GET / HTTP/1.0\r\n")]
    public void Malformed_version_1_headers_are_invalid(string header)
        => Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(header)), out _, out _));

    [Fact]
    public void A_version_1_header_without_its_end_needs_more_until_107_octets()
    {
        Assert.Equal(ProxyHeaderStatus.NeedMoreData, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>("PROXY TCP4 1.2"u8.ToArray()), out _, out _));
        Assert.Equal(ProxyHeaderStatus.NeedMoreData, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>("PRO"u8.ToArray()), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("PROXY " + new string('1', 120))), out _, out _));
    }

    [Fact]
    public void Version_2_proxy_over_ipv4_gives_the_real_client()
    {
        var header = V2Tcp4("203.0.113.7", 40000, "198.51.100.1", 25);
        var buffer = new ReadOnlySequence<byte>([.. header, .. "EHLO"u8.ToArray()]);
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(buffer, out var source, out var consumed));
        Assert.Equal("203.0.113.7:40000", source!.ToString());
        Assert.Equal(4, buffer.Slice(consumed).Length);
    }

    [Fact]
    public void Version_2_proxy_over_ipv6_with_tlvs_gives_the_real_client()
    {
        byte[] addresses = [.. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.Parse("2001:db8::1").GetAddressBytes(), 0x01, 0x00, 0x00, 25, 0x04, 0x00, 0x01, 0x00];
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(V2(1, 0x21, addresses)), out var source, out _));
        Assert.Equal("[2001:db8::7]:256", source!.ToString());
    }

    [Fact]
    public void Version_2_local_keeps_the_socket_address()
    {
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(V2(0, 0x00, [])), out var source, out _));
        Assert.Null(source);
    }

    [Fact]
    public void Version_2_split_over_reads_needs_more_data()
    {
        var header = V2Tcp4("203.0.113.7", 40000, "198.51.100.1", 25);
        for (var n = 1; n < header.Length; n++)
        {
            Assert.Equal(ProxyHeaderStatus.NeedMoreData, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(header, 0, n), out _, out _));
        }
    }

    [Fact]
    public void Version_2_with_a_bad_version_or_short_addresses_is_invalid()
    {
        var bad = V2Tcp4("203.0.113.7", 1, "198.51.100.1", 25);
        bad[12] = 0x31;
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bad), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(V2(1, 0x11, [1, 2, 3])), out _, out _));
    }
}
