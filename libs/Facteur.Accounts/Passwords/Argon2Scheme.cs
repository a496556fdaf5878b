using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Facteur.Accounts.Passwords;

/// <summary>The two Argon2 variants Dovecot has schemes for (RFC 9106 §3.4; Argon2d is not offered for passwords).</summary>
internal enum Argon2Variant
{
    Argon2i,
    Argon2id,
}

/// <summary>
/// <c>{ARGON2ID}</c> and <c>{ARGON2I}</c>: the PHC string <c>$argon2id$v=19$m=KiB,t=passes,p=lanes$salt$hash</c>
/// (base-64 without padding) that Dovecot writes through libsodium. Computed by libsodium when it is installed
/// (<see cref="SodiumArgon2"/>: the same code and cost as Dovecot), else by Konscious.Security.Cryptography.Argon2.
/// Parameters are checked here first either way, so a hostile line cannot make one login allocate gigabytes.
/// </summary>
internal sealed class Argon2Scheme : IPasswordScheme
{
    /// <summary>Parameters of new ARGON2ID hashes, as <c>doveadm pw -s ARGON2ID</c> (2.3.19) writes them: 64 MiB, 3 passes, one lane.</summary>
    internal const int DefaultMemoryKiB = 65536;
    internal const int DefaultIterations = 3;
    internal const int DefaultParallelism = 1;
    private const int SaltLength = 16;
    private const int HashLength = 32;

    // Bounds so a corrupt or hostile line cannot make one login allocate gigabytes or spin for minutes.
    private const int MaxMemoryKiB = 1 << 20;
    private const int MaxIterations = 64;
    private const int MaxParallelism = 16;

    private readonly string _prefix;

    private Argon2Scheme(Argon2Variant variant)
    {
        Variant = variant;
        _prefix = variant == Argon2Variant.Argon2i ? "argon2i" : "argon2id";
    }

    public static Argon2Scheme Argon2id { get; } = new(Argon2Variant.Argon2id);

    public static Argon2Scheme Argon2i { get; } = new(Argon2Variant.Argon2i);

    public Argon2Variant Variant { get; }

    public bool Verify(string password, string hash) => Verify(password, hash, SodiumArgon2.IsAvailable);

    /// <param name="native">False forces the managed code (tests compare both).</param>
    internal bool Verify(string password, string hash, bool native)
    {
        var phc = Parse(hash);
        // libsodium refuses (answers "no match" to) salts and hashes shorter than its minimums and strings
        // longer than crypto_pwhash_STRBYTES; the managed code takes those rare valid ones.
        if (native && hash.Length < 128 && phc.Salt.Length >= SodiumArgon2.MinSaltLength && phc.Hash.Length >= SodiumArgon2.MinHashLength)
        {
            return SodiumArgon2.Verify(hash, password);
        }

        var computed = Compute(Variant, Encoding.UTF8.GetBytes(password), phc.Salt, phc.MemoryKiB, phc.Iterations, phc.Parallelism, phc.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(computed, phc.Hash);
    }

    /// <summary>A new PHC string (without the <c>{ARGON2ID}</c> prefix) with a random salt.</summary>
    public string Hash(string password, int memoryKiB = DefaultMemoryKiB, int iterations = DefaultIterations, int parallelism = DefaultParallelism) =>
        Hash(password, SodiumArgon2.IsAvailable, memoryKiB, iterations, parallelism);

    /// <param name="native">False forces the managed code (tests compare both).</param>
    internal string Hash(string password, bool native, int memoryKiB = DefaultMemoryKiB, int iterations = DefaultIterations, int parallelism = DefaultParallelism)
    {
        // libsodium's crypto_pwhash_str_alg always writes one lane, and refuses Argon2i below 3 passes
        // (crypto_pwhash_argon2i_OPSLIMIT_MIN); its verification reads any of them.
        if (native && parallelism == 1 && (Variant == Argon2Variant.Argon2id || iterations >= 3))
        {
            return SodiumArgon2.Hash(password, Variant, memoryKiB, iterations);
        }

        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var hash = Compute(Variant, Encoding.UTF8.GetBytes(password), salt, memoryKiB, iterations, parallelism, HashLength);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"${_prefix}$v=19$m={memoryKiB},t={iterations},p={parallelism}${Unpadded(salt)}${Unpadded(hash)}");
    }

    /// <summary>The managed computation (Konscious): the fallback, and the reference the tests hold libsodium to.</summary>
    internal static byte[] Compute(Argon2Variant variant, byte[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length, byte[]? secret = null, byte[]? associatedData = null)
    {
        using Argon2 argon = variant == Argon2Variant.Argon2i ? new Argon2i(password) : new Argon2id(password);
        argon.Salt = salt;
        argon.MemorySize = memoryKiB;
        argon.Iterations = iterations;
        argon.DegreeOfParallelism = parallelism;
        argon.KnownSecret = secret;
        argon.AssociatedData = associatedData;
        return argon.GetBytes(length);
    }

    private (int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash) Parse(string text)
    {
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        var parts = text.Split('$');
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] != _prefix || parts[2] != "v=19")
        {
            throw new FormatException($"not a ${_prefix}$v=19$ PHC string");
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
