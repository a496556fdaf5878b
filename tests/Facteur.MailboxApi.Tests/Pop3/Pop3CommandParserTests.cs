using System.Text;
using Facteur.MailboxApi.Pop3;
using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Tests.Pop3;

public sealed class Pop3CommandParserTests
{
    [Theory]
    [InlineData("USER alice@example.test", "User", new[] { "alice@example.test" }, "alice@example.test")]
    [InlineData("user alice", "User", new[] { "alice" }, "alice")]
    [InlineData("PASS pass with spaces", "Pass", new[] { "pass", "with", "spaces" }, "pass with spaces")]
    [InlineData("STAT", "Stat", new string[0], "")]
    [InlineData("LIST 12", "List", new[] { "12" }, "12")]
    [InlineData("TOP 1 10", "Top", new[] { "1", "10" }, "1 10")]
    [InlineData("AUTH PLAIN =", "Auth", new[] { "PLAIN", "=" }, "PLAIN =")]
    [InlineData("uidl", "Uidl", new string[0], "")]
    [InlineData("XTND XMIT", "Unknown", new[] { "XMIT" }, "XMIT")]
    [InlineData("APOP mrose c4c9334bac560ecc979e58001b3e22fb", "Unknown", new[] { "mrose", "c4c9334bac560ecc979e58001b3e22fb" }, "mrose c4c9334bac560ecc979e58001b3e22fb")]
    public void Command_lines_parse_into_verb_and_arguments(string line, string verb, string[] arguments, string raw)
    {
        Assert.True(Pop3CommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command));
        Assert.Equal(Enum.Parse<Pop3Verb>(verb), command.Verb);
        Assert.Equal(arguments, command.Arguments);
        Assert.Equal(raw, command.RawArgument);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" STAT")]
    [InlineData("ST4T")]
    [InlineData("USER al\0ice")]
    [InlineData("USER \u0001")]
    [InlineData("VERYLONGKEYWORDXYZ")]
    public void Malformed_lines_do_not_parse(string line) =>
        Assert.False(Pop3CommandParser.TryParse(Encoding.UTF8.GetBytes(line), out _));

    [Theory]
    [InlineData("1", true, 1)]
    [InlineData("000042", true, 42)]
    [InlineData("0", true, 0)]
    [InlineData("-1", false, 0)]
    [InlineData("+1", false, 0)]
    [InlineData("1x", false, 0)]
    [InlineData("9999999999", false, 0)]
    [InlineData("", false, 0)]
    public void Message_numbers_are_plain_digits(string text, bool ok, int value)
    {
        Assert.Equal(ok, Pop3CommandParser.TryParseNumber(text, out var number));
        Assert.Equal(value, number);
    }

    [Theory]
    [InlineData("Authorization", "User", true)]
    [InlineData("Authorization", "Stls", true)]
    [InlineData("Authorization", "Retr", false)]
    [InlineData("Transaction", "Retr", true)]
    [InlineData("Transaction", "Pass", false)]
    [InlineData("Transaction", "Auth", false)]
    [InlineData("Transaction", "Stls", false)]
    [InlineData("Update", "Quit", false)]
    public void State_table_allows_each_command_only_where_rfc_1939_does(string state, string verb, bool allowed) =>
        Assert.Equal(allowed, Pop3StateTable.IsAllowed(Enum.Parse<Pop3State>(state), Enum.Parse<Pop3Verb>(verb)));
}
