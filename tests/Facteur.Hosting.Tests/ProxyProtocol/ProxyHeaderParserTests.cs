using System.Buffers;
using System.Text;
using Facteur.Hosting.ProxyProtocol;

namespace Facteur.Hosting.Tests.ProxyProtocol;

public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 51000 110\r\nUSER", "203.0.113.7:51000", "USER")]
    [InlineData("PROXY TCP6 2001:db8::7 2001:db8::1 51000 995\r\n", "[2001:db8::7]:51000", "")]
    [InlineData("PROXY UNKNOWN\r\nCAPA", null, "CAPA")]
    [InlineData("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", null, "")]
    public void Version_1_headers_give_the_client_address_and_leave_the_rest(string input, string? source, string rest)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input));
        Assert.Equal(ProxyParseStatus.Parsed, ProxyHeaderParser.TryParse(ref buffer, out var header));
        Assert.Equal(source, header.Source?.ToString());
        Assert.Equal(rest, Encoding.ASCII.GetString(buffer.ToArray()));
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 51000 110", "NeedMoreData")]
    [InlineData("PROX", "NeedMoreData")]
    [InlineData("", "NeedMoreData")]
    [InlineData("USER alice\r\n", "Invalid")]
    [InlineData("PROXY TCP4 2001:db8::7 192.0.2.1 1 2\r\n", "Invalid")]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 99999 110\r\n", "Invalid")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 extra\r\n", "Invalid")]
    [InlineData("PROXY TCP4 203.0.113.7 192.0.2.1 51000 110                                                                        \r\n", "Invalid")]
    public void Incomplete_or_malformed_version_1_headers(string input, string expected)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input));
        Assert.Equal(Enum.Parse<ProxyParseStatus>(expected), ProxyHeaderParser.TryParse(ref buffer, out _));
    }

    [Fact]
    public void Version_2_tcp4_header_with_tlvs_gives_the_client_address()
    {
        byte[] addresses = [203, 0, 113, 7, 192, 0, 2, 1, 0xC7, 0x38, 0x00, 0x6E];
        byte[] tlv = [0x04, 0x00, 0x02, 0xAA, 0xBB]; // a NOOP TLV, skipped
        var header = Signature.Concat(new byte[] { 0x21, 0x11, 0x00, (byte)(addresses.Length + tlv.Length) }).Concat(addresses).Concat(tlv).Concat("CAPA"u8.ToArray()).ToArray();
        var buffer = new ReadOnlySequence<byte>(header);
        Assert.Equal(ProxyParseStatus.Parsed, ProxyHeaderParser.TryParse(ref buffer, out var parsed));
        Assert.Equal("203.0.113.7:51000", parsed.Source!.ToString());
        Assert.Equal("192.0.2.1:110", parsed.Destination!.ToString());
        Assert.Equal("CAPA", Encoding.ASCII.GetString(buffer.ToArray()));
    }

    [Fact]
    public void Version_2_local_command_keeps_the_socket_address_and_truncated_headers_need_more()
    {
        var local = new ReadOnlySequence<byte>(Signature.Concat(new byte[] { 0x20, 0x00, 0x00, 0x00 }).ToArray());
        Assert.Equal(ProxyParseStatus.Parsed, ProxyHeaderParser.TryParse(ref local, out var header));
        Assert.Null(header.Source);

        var truncated = new ReadOnlySequence<byte>(Signature.Concat(new byte[] { 0x21, 0x11, 0x00, 0x0C, 1, 2 }).ToArray());
        Assert.Equal(ProxyParseStatus.NeedMoreData, ProxyHeaderParser.TryParse(ref truncated, out _));

        var badVersion = new ReadOnlySequence<byte>(Signature.Concat(new byte[] { 0x11, 0x11, 0x00, 0x00 }).ToArray());
        Assert.Equal(ProxyParseStatus.Invalid, ProxyHeaderParser.TryParse(ref badVersion, out _));
    }
}
