using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Facteur.Accounts.Tests;

public sealed class ServiceRegistrationTests
{
    [Fact]
    public async Task AddFacteurAccounts_binds_the_facteur_section_and_registers_both_services()
    {
        using var folder = new TempFolder();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Facteur:AccountsFile"] = folder.Write("accounts", "alice@esp.sn:{PLAIN}pw:::::\n"),
            ["Facteur:AliasesFile"] = folder.Write("aliases", "info@esp.sn alice@esp.sn\n"),
            ["Facteur:DomainsFile"] = folder.Write("domains", "example.org\n"),
            ["Facteur:Domains:0"] = "esp.sn",
            ["Facteur:RecipientDelimiter"] = "-",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();

        services.AddFacteurAccounts();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var resolver = provider.GetRequiredService<IRecipientResolver>();
        var authenticator = provider.GetRequiredService<IPasswordAuthenticator>();
        Assert.Equal("-", provider.GetRequiredService<IOptions<AccountsOptions>>().Value.RecipientDelimiter);
        Assert.True(resolver.IsLocalDomain("example.org"));
        Assert.Equal(["alice@esp.sn"], (await resolver.ResolveAsync("info-x@esp.sn")).Mailboxes);
        Assert.Equal("alice@esp.sn", await authenticator.AuthenticateAsync("alice@esp.sn", "pw"));
    }

    [Fact]
    public void An_invalid_domain_in_configuration_fails_validation_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Facteur:Domains:0"] = "not a domain",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddFacteurAccounts();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AccountsOptions>>().Value);

        Assert.Contains("Facteur:Domains", error.Message, StringComparison.Ordinal);
    }
}
