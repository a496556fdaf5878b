using Facteur.Accounts.Addresses;
using Facteur.Accounts.Passwords;
using Facteur.Accounts.Users;
using Microsoft.Extensions.Logging;

namespace Facteur.Accounts;

/// <summary>
/// Checks a login against the passwd-file. The user name is an address compared like the resolver does
/// (case-insensitive, IDN-aware); the answer is the user as written in the file. Never logs the password.
/// </summary>
internal sealed class PasswordAuthenticator(UserDirectory users, ILogger<PasswordAuthenticator> logger) : IPasswordAuthenticator
{
    // An unknown user costs the same Argon2 work as a known one, so response times do not tell which users exist.
    private static readonly Lazy<string> DecoyHash = new(() => PasswordHasher.Hash(Guid.NewGuid().ToString()));

    public async ValueTask<string?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!MailAddress.TryParse(userName, out var address))
        {
            AccountsLog.AuthenticationFailed(logger, MailboxName.Printable(userName), "not an address user@domain");
            return null;
        }

        var entry = users.Find(address);
        if (entry is null)
        {
            await Task.Run(() => PasswordVerifier.Verify(password, DecoyHash.Value), cancellationToken).ConfigureAwait(false);
            AccountsLog.AuthenticationFailed(logger, address.Text, "no such user");
            return null;
        }

        // Argon2 and bcrypt take a good fraction of a second of CPU: keep them off the connection's thread.
        var check = await Task.Run(() => PasswordVerifier.Verify(password, entry.Password), cancellationToken).ConfigureAwait(false);
        switch (check.Outcome)
        {
            case PasswordCheckOutcome.Match:
                return entry.UserName;
            case PasswordCheckOutcome.UnknownScheme:
                AccountsLog.UnknownScheme(logger, entry.UserName, check.Scheme);
                return null;
            case PasswordCheckOutcome.Malformed:
                AccountsLog.MalformedHash(logger, entry.UserName, check.Scheme);
                return null;
            default:
                AccountsLog.AuthenticationFailed(logger, entry.UserName, "wrong password");
                return null;
        }
    }
}
