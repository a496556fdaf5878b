using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Facteur.Accounts.Passwords;

/// <summary>
/// <c>{ARGON2ID}</c>: the PHC string <c>$argon2id$v=19$m=KiB,t=passes,p=lanes$salt$hash</c> (base-64 without
/// padding) that Dovecot writes through libsodium. Computed with Konscious.Security.Cryptography.Argon2.
/// </summary>
internal sealed class Argon2idScheme : IPasswordScheme
{
    /// <summary>Parameters of new hashes: libsodium's "moderate" memory (64 MiB), 3 passes, one lane, as Dovecot writes them.</summary>
    internal const int DefaultMemoryKiB = 65536;
    internal const int DefaultIterations = 3;
    internal const int DefaultParallelism = 1;
    private const int SaltLength = 16;
    private const int HashLength = 32;

    // Bounds so a corrupt or hostile line cannot make one login allocate gigabytes or spin for minutes.
    private const int MaxMemoryKiB = 1 << 20;
    private const int MaxIterations = 64;
    private const int MaxParallelism = 16;

    public static Argon2idScheme Instance { get; } = new();

    public bool Verify(string password, string hash)
    {
        var phc = Parse(hash);
        var computed = Compute(Encoding.UTF8.GetBytes(password), phc.Salt, phc.MemoryKiB, phc.Iterations, phc.Parallelism, phc.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(computed, phc.Hash);
    }

    /// <summary>A new PHC string (without the <c>{ARGON2ID}</c> prefix) with a random salt.</summary>
    public static string Hash(string password, int memoryKiB = DefaultMemoryKiB, int iterations = DefaultIterations, int parallelism = DefaultParallelism)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var hash = Compute(Encoding.UTF8.GetBytes(password), salt, memoryKiB, iterations, parallelism, HashLength);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={memoryKiB},t={iterations},p={parallelism}${Unpadded(salt)}${Unpadded(hash)}");
    }

    internal static byte[] Compute(byte[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length, byte[]? secret = null, byte[]? associatedData = null)
    {
        using var argon = new Argon2id(password)
        {
            Salt = salt,
            MemorySize = memoryKiB,
            Iterations = iterations,
            DegreeOfParallelism = parallelism,
            KnownSecret = secret,
            AssociatedData = associatedData,
        };
        return argon.GetBytes(length);
    }

    private static (int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash) Parse(string text)
    {
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        var parts = text.Split('$');
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] != "argon2id" || parts[2] != "v=19")
        {
            throw new FormatException("not a $argon2id$v=19$ PHC string");
        }

        int m = -1, t = -1, p = -1;
        foreach (var parameter in parts[3].Split(','))
        {
            var eq = parameter.IndexOf('=');
            if (eq < 0 || !int.TryParse(parameter.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException("bad Argon2 parameter");
            }

            switch (parameter[..eq])
            {
                case "m": m = value; break;
                case "t": t = value; break;
                case "p": p = value; break;
                default: throw new FormatException("unknown Argon2 parameter");
            }
        }

        if (p is < 1 or > MaxParallelism || t is < 1 or > MaxIterations || m < 8 * p || m > MaxMemoryKiB)
        {
            throw new FormatException("Argon2 parameters out of range");
        }

        var salt = FromUnpadded(parts[4]);
        var hash = FromUnpadded(parts[5]);
        if (salt.Length < 8 || hash.Length is < 4 or > 1024)
        {
            throw new FormatException("Argon2 salt or hash length out of range");
        }

        return (m, t, p, salt, hash);
    }

    private static string Unpadded(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromUnpadded(string text)
    {
        var padded = text + new string('=', (4 - (text.Length % 4)) % 4);
        return Convert.FromBase64String(padded);
    }
}
