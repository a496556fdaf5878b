using System.Security.Cryptography;
using System.Text;

namespace Facteur.Accounts.Passwords;

/// <summary><c>{PLAIN}</c> (and Dovecot's alias <c>{CLEAR}</c>): the password itself. For tests only.</summary>
internal sealed class PlainScheme : IPasswordScheme
{
    public static PlainScheme Instance { get; } = new();

    // Comparing digests keeps the time independent of where the strings differ and of their lengths.
    public bool Verify(string password, string hash) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(password)),
            SHA256.HashData(Encoding.UTF8.GetBytes(hash)));
}
