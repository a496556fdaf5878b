using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Facteur.Accounts.Passwords;

/// <summary>
/// Argon2i/Argon2id through libsodium (<c>libsodium.so.23</c>, Debian's libsodium23): the library
/// Dovecot's ARGON2I/ARGON2ID schemes call, with its SSE/AVX2 code. The managed Konscious
/// implementation costs roughly ten times the CPU for the same parameters, which a login pays in full;
/// it stays as the fallback where the library is missing (e.g. a container image without it).
/// </summary>
internal static class SodiumArgon2
{
    private const string Library = "libsodium.so.23";

    /// <summary>crypto_pwhash_STRBYTES: the buffer libsodium writes a PHC string into, NUL included.</summary>
    private const int StringBytes = 128;

    /// <summary>crypto_pwhash_ALG_ARGON2I13 / crypto_pwhash_ALG_ARGON2ID13.</summary>
    private const int AlgorithmArgon2i = 1;
    private const int AlgorithmArgon2id = 2;

    /// <summary>ARGON2_MIN_OUTLEN and ARGON2_MIN_SALT_LENGTH in libsodium: shorter ones it refuses to verify.</summary>
    internal const int MinHashLength = 16;
    internal const int MinSaltLength = 8;

    private static readonly Lazy<bool> Present = new(Probe);

    /// <summary>True when libsodium.so.23 loads and initialises.</summary>
    public static bool IsAvailable => Present.Value;

    /// <summary>crypto_pwhash_str_verify on the PHC string; libsodium picks i/id from its prefix.</summary>
    public static bool Verify(string phc, string password)
    {
        var encoded = NullTerminated(phc);
        var secret = Encoding.UTF8.GetBytes(password);
        try
        {
            return crypto_pwhash_str_verify(encoded, secret, (ulong)secret.Length) == 0;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>crypto_pwhash_str_alg: a PHC string with a random 16-byte salt and a 32-byte hash, one lane.</summary>
    public static string Hash(string password, Argon2Variant variant, int memoryKiB, int iterations)
    {
        var output = new byte[StringBytes];
        var secret = Encoding.UTF8.GetBytes(password);
        try
        {
            var algorithm = variant == Argon2Variant.Argon2i ? AlgorithmArgon2i : AlgorithmArgon2id;
            if (crypto_pwhash_str_alg(output, secret, (ulong)secret.Length, (ulong)iterations, (nuint)memoryKiB * 1024, algorithm) != 0)
            {
                throw new InvalidOperationException("libsodium could not compute the Argon2 hash (out of memory?)");
            }

            return Encoding.ASCII.GetString(output, 0, Array.IndexOf(output, (byte)0));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] NullTerminated(string value)
    {
        var bytes = new byte[Encoding.ASCII.GetByteCount(value) + 1];
        Encoding.ASCII.GetBytes(value, bytes);
        return bytes;
    }

    private static bool Probe()
    {
        try
        {
            // sodium_init picks the fastest Argon2 code for this CPU; 0 = done now, 1 = done before, -1 = failed.
            return NativeLibrary.TryLoad(Library, out _) && sodium_init() >= 0;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe blocks in this project; byte[] marshals as a pinned pointer here
    [DllImport(Library, EntryPoint = "sodium_init", ExactSpelling = true)]
    private static extern int sodium_init();

    [DllImport(Library, EntryPoint = "crypto_pwhash_str_verify", ExactSpelling = true)]
    private static extern int crypto_pwhash_str_verify(byte[] str, byte[] passwd, ulong passwdlen);

    [DllImport(Library, EntryPoint = "crypto_pwhash_str_alg", ExactSpelling = true)]
    private static extern int crypto_pwhash_str_alg(byte[] output, byte[] passwd, ulong passwdlen, ulong opslimit, nuint memlimit, int alg);
#pragma warning restore SYSLIB1054
}
