using Facteur.Accounts.Addresses;
using Facteur.Accounts.Aliases;
using Facteur.Accounts.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Facteur.Accounts;

public static class AccountsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IRecipientResolver"/> and <see cref="IPasswordAuthenticator"/> (singletons) over the
    /// files named by <see cref="AccountsOptions"/> (section <c>Facteur</c>). Files are re-read when they change.
    /// </summary>
    public static IServiceCollection AddFacteurAccounts(this IServiceCollection services)
    {
        services.AddOptions<AccountsOptions>()
            .BindConfiguration(AccountsOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(
                options => options.EffectiveDomains.All(domain => DomainName.TryNormalize(domain, out _)),
                "Facteur:Domains: every entry must be a valid domain name.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LocalDomains>();
        services.TryAddSingleton<UserDirectory>();
        services.TryAddSingleton<AliasTable>();
        services.TryAddSingleton<IRecipientResolver, RecipientResolver>();
        services.TryAddSingleton<IPasswordAuthenticator, PasswordAuthenticator>();
        return services;
    }
}
