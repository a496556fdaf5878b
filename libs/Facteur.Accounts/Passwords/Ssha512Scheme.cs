using System.Security.Cryptography;
using System.Text;

namespace Facteur.Accounts.Passwords;

/// <summary><c>{SSHA512}</c>: base64(SHA-512(password ‖ salt) ‖ salt), the salted form of RFC 2307 LDAP digests.</summary>
internal sealed class Ssha512Scheme : IPasswordScheme
{
    public static Ssha512Scheme Instance { get; } = new();

    public bool Verify(string password, string hash)
    {
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(hash);
        }
        catch (FormatException)
        {
            throw new FormatException("SSHA512 value is not base 64");
        }

        if (decoded.Length <= SHA512.HashSizeInBytes)
        {
            throw new FormatException("SSHA512 value has no salt");
        }

        var digest = decoded.AsSpan(0, SHA512.HashSizeInBytes);
        var salt = decoded.AsSpan(SHA512.HashSizeInBytes);
        var key = Encoding.UTF8.GetBytes(password);
        var input = new byte[key.Length + salt.Length];
        key.CopyTo(input, 0);
        salt.CopyTo(input.AsSpan(key.Length));
        return CryptographicOperations.FixedTimeEquals(SHA512.HashData(input), digest);
    }
}
