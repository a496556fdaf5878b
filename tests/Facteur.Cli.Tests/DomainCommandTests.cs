namespace Facteur.Cli.Tests;

public sealed class DomainCommandTests : IDisposable
{
    private readonly CliFixture _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Domain_add_appends_to_the_domains_file_and_list_shows_configuration_then_file()
    {
        Assert.Equal(0, _cli.Run(null, "domain", "add", "Example.ORG").ExitCode);
        Assert.Equal(0, _cli.Run(null, "domain", "add", "sénégal.sn").ExitCode);

        Assert.Equal(["example.org", "sénégal.sn"], File.ReadAllLines(_cli.Domains));
        Assert.Equal(["esp.sn", "example.org", "sénégal.sn"], _cli.Run(null, "domain", "list").OutputLines);
    }

    [Fact]
    public void Domain_add_of_a_domain_already_local_fails_also_in_its_other_idn_form()
    {
        File.WriteAllLines(_cli.Domains, ["sénégal.sn"]);

        var again = _cli.Run(null, "domain", "add", "xn--sngal-bsab.sn");
        var configured = _cli.Run(null, "domain", "add", "ESP.SN");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already local", again.Error, StringComparison.Ordinal);
        Assert.Equal(1, configured.ExitCode);
        Assert.Contains("Facteur:Domains", configured.Error, StringComparison.Ordinal);
        Assert.Equal(["sénégal.sn"], File.ReadAllLines(_cli.Domains));
    }

    [Theory]
    [InlineData("not a domain")]
    [InlineData("esp..sn")]
    [InlineData("-esp.sn")]
    [InlineData("esp.sn/..")]
    public void Domain_add_of_an_invalid_name_fails(string domain)
    {
        var result = _cli.Run(null, "domain", "add", domain);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a valid domain name", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Domain_del_refuses_while_users_remain_unless_forced()
    {
        File.WriteAllLines(_cli.Domains, ["# hosted", "example.org"]);
        File.WriteAllLines(_cli.Accounts, ["bob@example.org:{PLAIN}b"]);

        var refused = _cli.Run(null, "domain", "del", "example.org");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("still has 1 user(s)", refused.Error, StringComparison.Ordinal);

        Assert.Equal(0, _cli.Run(null, "domain", "del", "example.org", "--force").ExitCode);
        Assert.Equal(["# hosted"], File.ReadAllLines(_cli.Domains));
    }

    [Fact]
    public void Domain_del_of_a_configured_domain_says_to_change_the_configuration()
    {
        var result = _cli.Run(null, "domain", "del", "esp.sn");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is set in configuration (Facteur:Domains)", result.Error, StringComparison.Ordinal);
    }
}
