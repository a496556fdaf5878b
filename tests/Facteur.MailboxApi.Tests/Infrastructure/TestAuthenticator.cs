using Facteur.Accounts;

namespace Facteur.MailboxApi.Tests.Infrastructure;

/// <summary>Stands in for the passwd-file authenticator until the accounts work lands: fixed users, plain passwords.</summary>
internal sealed class TestAuthenticator(IReadOnlyDictionary<string, string> users) : IPasswordAuthenticator
{
    public int Calls;

    public ValueTask<string?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        return ValueTask.FromResult(users.TryGetValue(userName, out var expected) && expected == password ? userName : null);
    }
}
