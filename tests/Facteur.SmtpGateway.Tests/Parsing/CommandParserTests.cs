using System.Buffers;
using System.Text;
using Facteur.SmtpGateway.Parsing;

namespace Facteur.SmtpGateway.Tests.Parsing;

public sealed class CommandParserTests
{
    private static SequenceReader<byte> Reader(string text) => new(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)));

    [Theory]
    [InlineData("EHLO client.example", "Ehlo", true, "client.example")]
    [InlineData("ehlo x", "Ehlo", true, "x")]
    [InlineData("HELO x", "Helo", true, "x")]
    [InlineData("MAIL FROM:<a@b.c>", "Mail", true, "FROM:<a@b.c>")]
    [InlineData("rcpt TO:<a@b.c>", "Rcpt", true, "TO:<a@b.c>")]
    [InlineData("DATA", "Data", false, "")]
    [InlineData("BDAT 10 LAST", "Bdat", true, "10 LAST")]
    [InlineData("StartTLS", "StartTls", false, "")]
    [InlineData("AUTH PLAIN", "Auth", true, "PLAIN")]
    [InlineData("QUIT", "Quit", false, "")]
    [InlineData("RSET", "Rset", false, "")]
    [InlineData("NOOP hello", "Noop", true, "hello")]
    [InlineData("VRFY alice", "Vrfy", true, "alice")]
    [InlineData("EXPN list", "Expn", true, "list")]
    [InlineData("HELP", "Help", false, "")]
    [InlineData("XYZZY", "Unknown", false, "")]
    [InlineData("MAILX FROM:<a@b.c>", "Unknown", true, "FROM:<a@b.c>")]
    [InlineData("GET / HTTP/1.1", "Unknown", true, "/ HTTP/1.1")]
    [InlineData("", "Unknown", false, "")]
    [InlineData("STARTTLSX", "Unknown", false, "")]
    public void Verbs_are_recognised_case_insensitively(string line, string verbName, bool hasArguments, string arguments)
    {
        var verb = Enum.Parse<SmtpVerb>(verbName);
        var reader = Reader(line);
        Assert.Equal(verb, CommandLineParser.Parse(ref reader, out var args));
        if (verb != SmtpVerb.Unknown)
        {
            Assert.Equal(hasArguments, args);
            Assert.Equal(arguments, Encoding.UTF8.GetString(reader.UnreadSequence));
        }
    }

    public static TheoryData<string, string[]?> ParameterCases => new()
    {
        { "", [] },
        { " SIZE=1000", ["SIZE=1000"] },
        { " size=1000 body=8BITMIME", ["SIZE=1000", "BODY=8BITMIME"] },
        { " SMTPUTF8", ["SMTPUTF8"] },
        { "  SIZE=1   BODY=7BIT", ["SIZE=1", "BODY=7BIT"] },
        { " AUTH=<>", ["AUTH=<>"] },
        { " X-FOO=bär", ["X-FOO=bär"] },
        { " SIZE=", null },
        { " =1", null },
        { " -X=1", null },
        { " SIZE=a=b", null },
    };

    [Theory]
    [MemberData(nameof(ParameterCases))]
    public void Esmtp_parameters_parse_into_keyword_and_value(string text, string[]? expected)
    {
        var reader = Reader(text);
        var ok = EsmtpParameterParser.TryParse(ref reader, out var parameters);
        Assert.Equal(expected is not null, ok);
        if (expected is not null)
        {
            Assert.Equal(expected, parameters.Select(p => p.Value is null ? p.Keyword : $"{p.Keyword}={p.Value}"));
        }
    }

    [Theory]
    [InlineData("0 LAST", 0L, true, true)]
    [InlineData("100", 100L, false, true)]
    [InlineData("100 last", 100L, true, true)]
    [InlineData("123456789012345678", 123456789012345678L, false, true)]
    [InlineData("1234567890123456789", 0L, false, false)]
    [InlineData("", 0L, false, false)]
    [InlineData("-1", 0L, false, false)]
    [InlineData("10 LAST extra", 0L, false, false)]
    [InlineData("10  LAST", 0L, false, false)]
    [InlineData("10 FIRST", 0L, false, false)]
    public void Bdat_arguments_are_a_size_and_an_optional_last(string text, long size, bool last, bool ok)
    {
        var reader = Reader(text);
        Assert.Equal(ok, BdatParser.TryParse(ref reader, out var parsedSize, out var parsedLast));
        if (ok)
        {
            Assert.Equal(size, parsedSize);
            Assert.Equal(last, parsedLast);
        }
    }

    [Theory]
    [InlineData("client.example", true)]
    [InlineData("[127.0.0.1]", true)]
    [InlineData("DESKTOP-AB_12", true)]
    [InlineData("client.example extra words", true)]
    [InlineData("<script>", false)]
    [InlineData("", false)]
    [InlineData("bad\"quote", false)]
    public void Helo_names_are_accepted_leniently_but_stay_header_safe(string text, bool ok)
    {
        var reader = Reader(text);
        Assert.Equal(ok, HeloParser.TryParse(ref reader, out var name));
        if (ok)
        {
            Assert.Equal(text.Split(' ')[0], name);
        }
    }

    [Theory]
    [InlineData("PLAIN", "PLAIN", null, true)]
    [InlineData("plain AGFsaWNlAHNlY3JldA==", "PLAIN", "AGFsaWNlAHNlY3JldA==", true)]
    [InlineData("LOGIN =", "LOGIN", "=", true)]
    [InlineData("CRAM-MD5", "CRAM-MD5", null, true)]
    [InlineData("PLAIN a b", "", null, false)]
    [InlineData("PL@IN", "", null, false)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU", "", null, false)]
    public void Auth_arguments_are_a_mechanism_and_an_optional_initial_response(string text, string mechanism, string? initial, bool ok)
    {
        var reader = Reader(text);
        Assert.Equal(ok, AuthParser.TryParse(ref reader, out var mech, out var response));
        if (ok)
        {
            Assert.Equal(mechanism, mech);
            Assert.Equal(initial, response);
        }
    }

    [Theory]
    [InlineData("*", "Cancelled", "")]
    [InlineData("=", "Data", "")]
    [InlineData("YWxpY2U=", "Data", "alice")]
    [InlineData("YWxpY2U", "Invalid", "")]
    [InlineData("!!!!", "Invalid", "")]
    [InlineData("", "Invalid", "")]
    public void Sasl_responses_decode_base64_with_cancel_and_empty(string line, string kindName, string decoded)
    {
        var kind = Enum.Parse<SaslResponseKind>(kindName);
        Assert.Equal(kind, SaslResponseParser.Decode(line, out var data));
        Assert.Equal(decoded, Encoding.UTF8.GetString(data));
    }
}
