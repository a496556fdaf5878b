using Facteur.Accounts.Aliases;

namespace Facteur.Cli.Tests;

public sealed class AliasCommandTests : IDisposable
{
    private readonly CliFixture _cli = new();

    public void Dispose() => _cli.Dispose();

    private string[] AliasLines() => File.ReadAllLines(_cli.Aliases);

    [Fact]
    public void Alias_add_writes_a_virtual5_line_that_the_library_reads_back()
    {
        var result = _cli.Run(null, "alias", "add", "info@esp.sn", "alice@esp.sn,bob@gmail.com", "carol@esp.sn");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["info@esp.sn\talice@esp.sn, bob@gmail.com, carol@esp.sn"], AliasLines());
        var alias = Assert.Single(VirtualAliasFile.Parse(AliasLines()).Entries);
        Assert.Equal(["alice@esp.sn", "bob@gmail.com", "carol@esp.sn"], alias.Targets);
    }

    [Fact]
    public void A_catch_all_is_added_with_an_at_domain_pattern()
    {
        var result = _cli.Run(null, "alias", "add", "@esp.sn", "postmaster@esp.sn");

        Assert.Equal(0, result.ExitCode);
        Assert.True(Assert.Single(VirtualAliasFile.Parse(AliasLines()).Entries).IsCatchAll);
    }

    [Fact]
    public void Alias_add_on_an_existing_multi_line_alias_merges_the_targets_and_keeps_comments()
    {
        File.WriteAllLines(_cli.Aliases, ["# lists", "team@esp.sn  alice@esp.sn,", "  # the new one", "    bob@esp.sn", "sales@esp.sn dan@esp.sn"]);

        var result = _cli.Run(null, "alias", "add", "team@esp.sn", "carol@esp.sn");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["# lists", "  # the new one", "team@esp.sn\talice@esp.sn, bob@esp.sn, carol@esp.sn", "sales@esp.sn dan@esp.sn"], AliasLines());
    }

    [Fact]
    public void Alias_add_of_a_target_already_there_fails_with_exit_1()
    {
        File.WriteAllLines(_cli.Aliases, ["info@esp.sn alice@esp.sn"]);

        var result = _cli.Run(null, "alias", "add", "INFO@esp.sn", "Alice@esp.sn");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: alias info@esp.sn already forwards to Alice@esp.sn", Assert.Single(result.ErrorLines));
        Assert.Equal(["info@esp.sn alice@esp.sn"], AliasLines());
    }

    [Fact]
    public void Alias_add_in_a_domain_that_is_not_local_fails()
    {
        var result = _cli.Run(null, "alias", "add", "info@gmail.com", "alice@esp.sn");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("gmail.com is not a local domain", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Aliases));
    }

    [Theory]
    [InlineData("info", "alice@esp.sn")]
    [InlineData("info@esp.sn", "alice")]
    [InlineData("info@esp.sn", "alice@bad..domain")]
    public void Alias_add_with_a_bad_alias_or_target_fails(string alias, string target)
    {
        var result = _cli.Run(null, "alias", "add", alias, target);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: '", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Alias_del_removes_a_target_then_the_whole_alias()
    {
        File.WriteAllLines(_cli.Aliases, ["info@esp.sn alice@esp.sn, bob@esp.sn", "other@esp.sn carol@esp.sn"]);

        Assert.Equal(0, _cli.Run(null, "alias", "del", "info@esp.sn", "bob@esp.sn").ExitCode);
        Assert.Equal(["info@esp.sn\talice@esp.sn", "other@esp.sn carol@esp.sn"], AliasLines());

        Assert.Equal(0, _cli.Run(null, "alias", "del", "info@esp.sn").ExitCode);
        Assert.Equal(["other@esp.sn carol@esp.sn"], AliasLines());
    }

    [Fact]
    public void Alias_del_of_something_absent_fails()
    {
        File.WriteAllLines(_cli.Aliases, ["info@esp.sn alice@esp.sn"]);

        var missingAlias = _cli.Run(null, "alias", "del", "nope@esp.sn");
        var missingTarget = _cli.Run(null, "alias", "del", "info@esp.sn", "bob@esp.sn");

        Assert.Equal((1, 1), (missingAlias.ExitCode, missingTarget.ExitCode));
        Assert.Contains("no alias nope@esp.sn", missingAlias.Error, StringComparison.Ordinal);
        Assert.Contains("does not forward to bob@esp.sn", missingTarget.Error, StringComparison.Ordinal);
        Assert.Equal(["info@esp.sn alice@esp.sn"], AliasLines());
    }

    [Fact]
    public void Alias_list_prints_each_alias_and_its_targets()
    {
        File.WriteAllLines(_cli.Aliases, ["# x", "info@esp.sn alice@esp.sn", "   bob@esp.sn", "@esp.sn catch@esp.sn"]);

        var result = _cli.Run(null, "alias", "list");

        Assert.Equal(["info@esp.sn\talice@esp.sn, bob@esp.sn", "@esp.sn\tcatch@esp.sn"], result.OutputLines);
    }

    [Fact]
    public void Alias_add_warns_about_a_local_target_that_does_not_exist_but_still_adds_it()
    {
        File.WriteAllLines(_cli.Accounts, ["alice@esp.sn:{PLAIN}a"]);

        var result = _cli.Run(null, "alias", "add", "info@esp.sn", "alice+info@esp.sn", "ghost@esp.sn", "friend@gmail.com");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("warning: ghost@esp.sn is neither a user nor an alias yet: mail to it will be refused", Assert.Single(result.ErrorLines));
        Assert.Equal(["info@esp.sn\talice+info@esp.sn, ghost@esp.sn, friend@gmail.com"], AliasLines());
    }
}
