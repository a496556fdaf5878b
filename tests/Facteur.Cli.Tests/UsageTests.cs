namespace Facteur.Cli.Tests;

public sealed class UsageTests : IDisposable
{
    private readonly CliFixture _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("user")]
    [InlineData("user", "add")]
    [InlineData("alias", "add", "info@esp.sn")]
    [InlineData("alias", "list", "--no-such-option")]
    public void A_wrong_command_line_exits_2_with_a_hint(params string[] args)
    {
        var result = _cli.RunRaw(null, args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal("Run 'facteur --help' for usage.", result.ErrorLines[1]);
    }

    [Fact]
    public void Help_lists_the_commands_and_exits_0()
    {
        var result = _cli.RunRaw(null, "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "user", "alias", "domain", "config" })
        {
            Assert.Contains(command, result.Output, StringComparison.Ordinal);
        }
    }
}
