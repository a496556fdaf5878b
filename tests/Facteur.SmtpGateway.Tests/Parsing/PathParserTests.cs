using System.Buffers;
using System.Text;
using Facteur.SmtpGateway.Parsing;

namespace Facteur.SmtpGateway.Tests.Parsing;

public sealed class PathParserTests
{
    /// <summary>Raw MAIL arguments → expected reverse-path ("" for &lt;&gt;), null when refused.</summary>
    public static TheoryData<string, string?, string> MailFromCases => new()
    {
        { "FROM:<alice@example.test>", "alice@example.test", "None" },
        { "from:<alice@example.test>", "alice@example.test", "None" },
        { "FROM: <alice@example.test>", "alice@example.test", "None" },
        { "FROM:<>", "", "None" },
        { "FROM:<Alice.Smith@EXAMPLE.Test>", "Alice.Smith@example.test", "None" },
        { "FROM:<\"john doe\"@example.test>", "\"john doe\"@example.test", "None" },
        { "FROM:<\"a\\\"b\"@example.test>", "\"a\\\"b\"@example.test", "None" },
        { "FROM:<\"@\"@example.test>", "\"@\"@example.test", "None" },
        { "FROM:<user+tag@example.test>", "user+tag@example.test", "None" },
        { "FROM:<!#$%&'*+-/=?^_`{|}~@example.test>", "!#$%&'*+-/=?^_`{|}~@example.test", "None" },
        { "FROM:<@relay1.example,@relay2.example:alice@example.test>", "alice@example.test", "None" },
        { "FROM:<alice@[192.0.2.1]>", "alice@[192.0.2.1]", "None" },
        { "FROM:<alice@[IPv6:2001:db8::1]>", "alice@[ipv6:2001:db8::1]", "None" },
        { "FROM:<jörg@bücher.example>", "jörg@bücher.example", "None" },
        { "FROM:<用户@例子.广告>", "用户@例子.广告", "None" },
        { "FROM:<alice@xn--bcher-kva.example>", "alice@xn--bcher-kva.example", "None" },
        { "FROM:alice@example.test", null, "Path" },
        { "FROM:<alice@example.test", null, "Path" },
        { "FROM:<alice>", null, "Path" },
        { "FROM:<.alice@example.test>", null, "Path" },
        { "FROM:<alice.@example.test>", null, "Path" },
        { "FROM:<al..ice@example.test>", null, "Path" },
        { "FROM:<alice@-example.test>", null, "Path" },
        { "FROM:<alice@example-.test>", null, "Path" },
        { "FROM:<alice@example..test>", null, "Path" },
        { "FROM:<alice@example.test.>", null, "Path" },
        { "FROM:<alice@[300.1.1.1]>", null, "Path" },
        { "FROM:<alice@[1.2.3]>", null, "Path" },
        { "FROM:<al ice@example.test>", null, "Path" },
        { "FROM:<\"unterminated@example.test>", null, "Path" },
        { "FROM:<a(b)@example.test>", null, "Path" },
        { "TO:<alice@example.test>", null, "Command" },
        { "<alice@example.test>", null, "Command" },
        { "FROM:<" + new string('a', 65) + "@example.test>", null, "PathTooLong" },
        { "FROM:<a@" + string.Join('.', Enumerable.Repeat(new string('d', 60), 5)) + ">", null, "PathTooLong" },
        { "FROM:<alice@example.test>x", null, "Parameter" },
    };

    [Theory]
    [MemberData(nameof(MailFromCases))]
    public void Mail_from_paths_parse_as_rfc_5321_says(string arguments, string? expected, string expectedErrorName)
    {
        var expectedError = Enum.Parse<SyntaxError>(expectedErrorName);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(arguments)));
        var ok = MailFromParser.TryParse(ref reader, out var parsed, out var error);
        Assert.Equal(expected is not null, ok);
        Assert.Equal(expectedError, error);
        if (expected is not null)
        {
            Assert.Equal(expected, parsed!.ReversePath?.ToString() ?? "");
        }
    }

    public static TheoryData<string, string, bool> RcptToCases => new()
    {
        { "TO:<bob@example.test>", "bob@example.test", false },
        { "To:<Bob@Example.TEST>", "Bob@example.test", false },
        { "TO:<postmaster>", "", true },
        { "TO:<PostMaster>", "", true },
        { "TO:<postmaster@example.test>", "postmaster@example.test", false },
        { "TO: <bob@example.test>", "bob@example.test", false },
    };

    [Theory]
    [MemberData(nameof(RcptToCases))]
    public void Rcpt_to_paths_keep_the_local_part_and_lower_the_domain(string arguments, string expected, bool postmaster)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(arguments)));
        Assert.True(RcptToParser.TryParse(ref reader, out var parsed, out _));
        Assert.Equal(postmaster, parsed!.IsPostmaster);
        if (!postmaster)
        {
            Assert.Equal(expected, parsed.Address.ToString());
        }
    }

    [Theory]
    [InlineData("TO:<>")]
    [InlineData("TO:")]
    [InlineData("FROM:<bob@example.test>")]
    [InlineData("TO:<bob@example.test> ORCPT")]
    public void Rcpt_to_refuses_bad_syntax(string arguments)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(arguments)));
        if (RcptToParser.TryParse(ref reader, out var parsed, out _))
        {
            // A parameter without value parses; the handler refuses it as unsupported.
            Assert.NotEmpty(parsed!.Parameters);
        }
    }

    [Fact]
    public void Invalid_utf8_in_a_path_is_refused()
    {
        var bytes = Encoding.ASCII.GetBytes("FROM:<a").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.ASCII.GetBytes("@example.test>")).ToArray();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.False(MailFromParser.TryParse(ref reader, out _, out var error));
        Assert.Equal(SyntaxError.Path, error);
    }

    [Fact]
    public void Internationalized_addresses_are_flagged()
    {
        Assert.True(new SmtpAddress("jörg", "example.test").IsInternationalized);
        Assert.True(new SmtpAddress("a", "bücher.example").IsInternationalized);
        Assert.False(new SmtpAddress("a", "xn--bcher-kva.example").IsInternationalized);
    }
}
