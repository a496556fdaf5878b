using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Accounts;

public static class AccountsServiceCollectionExtensions
{
    // SKELETON: registers IRecipientResolver and IPasswordAuthenticator once the accounts work lands.
    public static IServiceCollection AddFacteurAccounts(this IServiceCollection services) => services;
}
