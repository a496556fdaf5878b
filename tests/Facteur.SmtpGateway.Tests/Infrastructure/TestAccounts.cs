using Facteur.Accounts;

namespace Facteur.SmtpGateway.Tests.Infrastructure;

/// <summary>
/// Stand-in for the accounts library (its branch lands separately): local domain example.test with
/// users alice and bob, an alias info@ → alice, and passwords for AUTH. The server under test is real.
/// </summary>
internal sealed class TestAccounts : IRecipientResolver, IPasswordAuthenticator
{
    public const string Domain = "example.test";
    public const string Password = "correct horse";

    private static readonly Dictionary<string, string[]> Addresses = new(StringComparer.OrdinalIgnoreCase)
    {
        ["alice@example.test"] = ["alice@example.test"],
        ["bob@example.test"] = ["bob@example.test"],
        ["info@example.test"] = ["alice@example.test"],
        ["postmaster@example.test"] = ["alice@example.test"],
        ["jörg@example.test"] = ["alice@example.test"],
    };

    public bool IsLocalDomain(string domain) => string.Equals(domain, Domain, StringComparison.OrdinalIgnoreCase);

    public ValueTask<RecipientResolution> ResolveAsync(string address, CancellationToken cancellationToken = default)
    {
        var at = address.LastIndexOf('@');
        if (!IsLocalDomain(address[(at + 1)..]))
        {
            return ValueTask.FromResult(RecipientResolution.Remote);
        }

        return ValueTask.FromResult(Addresses.TryGetValue(address, out var mailboxes)
            ? new RecipientResolution(RecipientKind.Local, mailboxes, [])
            : RecipientResolution.Unknown);
    }

    public ValueTask<string?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<string?>(
            userName is "alice@example.test" or "bob@example.test" && password == Password ? userName : null);
}
