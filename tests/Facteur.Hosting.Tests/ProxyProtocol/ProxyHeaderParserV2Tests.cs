using System.Buffers;
using System.Net;
using System.Text;
using Facteur.Hosting.ProxyProtocol;

namespace Facteur.Hosting.Tests.ProxyProtocol;

/// <summary>More PROXY cases (the SMTP side's originally): v1 CRLF rules and limits, v2 over IPv6 and split reads.</summary>
public sealed class ProxyHeaderParserV2Tests
{
    private static ProxyParseStatus Parse(byte[] bytes, out ProxyHeader header, out string rest)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var status = ProxyHeaderParser.TryParse(ref buffer, out header);
        rest = Encoding.ASCII.GetString(buffer.ToArray());
        return status;
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\r\n", "192.0.2.10:56324")]
    [InlineData("PROXY TCP6 2001:db8::10 2001:db8::1 4000 587\r\n", "[2001:db8::10]:4000")]
    public void Version_1_headers_leave_the_smtp_command_that_follows(string header, string source)
    {
        Assert.Equal(ProxyParseStatus.Parsed, Parse(Encoding.ASCII.GetBytes(header + "EHLO x\r\n"), out var parsed, out var rest));
        Assert.Equal(source, parsed.Source!.ToString());
        Assert.Equal("EHLO x\r\n", rest);
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 56324 25\n")]
    [InlineData("PROXY TCP5 192.0.2.10 198.51.100.1 1 25\r\n")]
    [InlineData("PROXY TCP4 192.0.2.10\r\n")]
    [InlineData("EHLO client.example\r\n")]
    [InlineData("GET / HTTP/1.0\r\n")]
    public void Malformed_version_1_headers_are_invalid(string header)
        => Assert.Equal(ProxyParseStatus.Invalid, Parse(Encoding.ASCII.GetBytes(header), out _, out _));

    [Fact]
    public void A_version_1_header_without_its_end_is_invalid_past_107_octets()
        => Assert.Equal(ProxyParseStatus.Invalid, Parse(Encoding.ASCII.GetBytes("PROXY " + new string('1', 120)), out _, out _));

    [Fact]
    public void Version_2_proxy_over_ipv6_with_tlvs_gives_the_real_client()
    {
        byte[] addresses = [.. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.Parse("2001:db8::1").GetAddressBytes(), 0x01, 0x00, 0x00, 25, 0x04, 0x00, 0x01, 0x00];
        Assert.Equal(ProxyParseStatus.Parsed, Parse(ProxyV2Header.Build(1, 0x21, addresses), out var parsed, out var rest));
        Assert.Equal("[2001:db8::7]:256", parsed.Source!.ToString());
        Assert.Equal("[2001:db8::1]:25", parsed.Destination!.ToString());
        Assert.Equal("", rest);
    }

    [Fact]
    public void Version_2_split_over_reads_needs_more_data_at_every_cut()
    {
        var header = ProxyV2Header.Tcp4("203.0.113.7", 40000, "198.51.100.1", 25);
        for (var n = 1; n < header.Length; n++)
        {
            Assert.Equal(ProxyParseStatus.NeedMoreData, Parse(header[..n], out _, out _));
        }

        Assert.Equal(ProxyParseStatus.Parsed, Parse(header, out var parsed, out _));
        Assert.Equal("203.0.113.7:40000", parsed.Source!.ToString());
    }

    [Fact]
    public void Version_2_with_short_addresses_or_an_oversized_length_is_invalid()
    {
        Assert.Equal(ProxyParseStatus.Invalid, Parse(ProxyV2Header.Build(1, 0x11, [1, 2, 3]), out _, out _));
        byte[] huge = [.. ProxyV2Header.Build(1, 0x11, []).AsSpan(0, 14), 0xFF, 0xFF];
        Assert.Equal(ProxyParseStatus.Invalid, Parse(huge, out _, out _));
    }
}
