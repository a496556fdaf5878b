namespace Facteur.Accounts.Tests;

public sealed class LocalDomainsTests
{
    [Fact]
    public void Local_domains_are_the_configured_ones_and_the_domains_file_lines()
    {
        using var setup = new AccountsSetup(domains: ["esp.sn"], domainsFile: "# hosted\nexample.org\n\n  ucad.sn   # university\n");

        Assert.True(setup.Resolver.IsLocalDomain("esp.sn"));
        Assert.True(setup.Resolver.IsLocalDomain("example.org"));
        Assert.True(setup.Resolver.IsLocalDomain("ucad.sn"));
        Assert.False(setup.Resolver.IsLocalDomain("gmail.com"));
        Assert.False(setup.Resolver.IsLocalDomain("sn"));
    }

    [Theory]
    [InlineData("ESP.SN")]
    [InlineData("esp.sn.")]
    [InlineData("Sénégal.sn")]
    [InlineData("xn--sngal-bsab.sn")]
    [InlineData("XN--SNGAL-BSAB.SN")]
    public void Comparison_ignores_case_a_root_dot_and_the_idn_form(string domain)
    {
        using var setup = new AccountsSetup(domains: ["esp.sn"], domainsFile: "sénégal.sn\n");
        var other = domain.Contains("esp", StringComparison.OrdinalIgnoreCase) ? "esp.sn" : "sénégal.sn";

        Assert.True(setup.Resolver.IsLocalDomain(domain), $"{domain} should match {other}");
    }

    [Fact]
    public void An_empty_domains_setting_means_localhost()
    {
        using var setup = new AccountsSetup(domains: []);

        Assert.True(setup.Resolver.IsLocalDomain("localhost"));
        Assert.False(setup.Resolver.IsLocalDomain("esp.sn"));
    }

    [Fact]
    public void A_domain_added_to_the_file_is_seen_after_the_next_check()
    {
        using var setup = new AccountsSetup(domains: ["esp.sn"], domainsFile: "");
        Assert.False(setup.Resolver.IsLocalDomain("ucad.sn"));

        File.WriteAllText(setup.Options.DomainsFile, "ucad.sn\n");
        setup.Time.Advance(TimeSpan.FromSeconds(1.1));

        Assert.True(setup.Resolver.IsLocalDomain("ucad.sn"));
    }
}
