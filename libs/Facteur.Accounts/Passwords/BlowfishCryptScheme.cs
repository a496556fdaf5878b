using System.Security.Cryptography;
using System.Text;

namespace Facteur.Accounts.Passwords;

/// <summary><c>{BLF-CRYPT}</c>: bcrypt, <c>$2a$</c>, <c>$2b$</c> and <c>$2y$</c> (Dovecot writes <c>$2y$</c>), via BCrypt.Net-Next.</summary>
internal sealed class BlowfishCryptScheme : IPasswordScheme
{
    internal const int DefaultWorkFactor = 12;

    public static BlowfishCryptScheme Instance { get; } = new();

    public bool Verify(string password, string hash)
    {
        if (hash.Length != 60 || !(hash.StartsWith("$2a$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal) || hash.StartsWith("$2y$", StringComparison.Ordinal)))
        {
            throw new FormatException("not a $2a$/$2b$/$2y$ bcrypt hash");
        }

        string computed;
        try
        {
            // The stored hash is its own salt; comparing the whole string ourselves keeps the comparison constant-time.
            computed = BCrypt.Net.BCrypt.HashPassword(password, hash[..29]);
        }
        catch (BCrypt.Net.SaltParseException exception)
        {
            throw new FormatException("bad bcrypt salt", exception);
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(hash));
    }

    /// <summary>A new <c>$2y$</c> hash, the form Dovecot's <c>doveadm pw -s BLF-CRYPT</c> writes.</summary>
    public static string Hash(string password, int workFactor = DefaultWorkFactor) =>
        BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(workFactor, 'y'));
}
