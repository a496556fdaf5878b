namespace Facteur.Accounts;

/// <summary>
/// Checks a user name and password against the passwd-file (any supported scheme).
/// Returns the canonical user (user@domain as in the accounts file) or null.
/// Never logs the password.
/// </summary>
public interface IPasswordAuthenticator
{
    ValueTask<string?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default);
}
