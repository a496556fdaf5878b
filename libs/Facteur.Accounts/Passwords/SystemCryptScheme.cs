using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Facteur.Accounts.Passwords;

/// <summary>
/// <c>{CRYPT}</c> through the system's crypt(3) — libxcrypt's <c>crypt_r</c> from <c>libcrypt.so.1</c>, what
/// Dovecot's CRYPT scheme and PAM call. It reads every method the host supports from the hash's prefix:
/// yescrypt <c>$y$</c> (Debian 11+'s default for /etc/shadow), gost-yescrypt <c>$gy$</c>, <c>$6$</c>, <c>$5$</c>,
/// <c>$2b$</c>, <c>$1$</c> and old DES, so hashes migrated from <c>/etc/shadow</c> keep working unchanged.
/// </summary>
internal sealed class SystemCryptScheme : IPasswordScheme
{
    private const string Library = "libcrypt.so.1";

    // sizeof(struct crypt_data) in libxcrypt (crypt.h: CRYPT_DATA_RESERVED_SIZE + internal = 32768).
    private const int CryptDataSize = 32768;

    private static readonly Lazy<bool> Present = new(Probe);

    public static SystemCryptScheme Instance { get; } = new();

    /// <summary>True when libcrypt.so.1 can be loaded (glibc systems; not on Alpine's musl without libxcrypt).</summary>
    public static bool IsAvailable => Present.Value;

    public bool Verify(string password, string hash)
    {
        // Anything that is not a crypt string ('*', '!' of locked accounts, "*0" failure markers) never matches.
        if (hash.Length < 2 || hash[0] is '*' or '!')
        {
            return false;
        }

        if (!IsAvailable)
        {
            throw new FormatException("the system has no libcrypt.so.1 for {CRYPT} hashes");
        }

        var computed = Crypt(password, hash) ?? throw new FormatException("crypt(3) does not know this hash method");
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(hash));
    }

    /// <summary>crypt(password, setting); null when libcrypt refuses the setting (unknown or disabled method).</summary>
    public static string? Crypt(string password, string setting)
    {
        var phrase = NullTerminated(password);
        var salt = NullTerminated(setting);
        var data = new byte[CryptDataSize]; // crypt_r wants it zeroed; one per call keeps it thread-safe
        // The result points into data (its output field): data stays pinned until the string is read from it.
        // Marshalled as a byte[] it was pinned for the call only, and a collection that moved it before
        // PtrToStringAnsi made that read an access violation (seen once in a CI run, a test host crash).
        var pinned = GCHandle.Alloc(data, GCHandleType.Pinned);
        try
        {
            var result = crypt_rn(phrase, salt, pinned.AddrOfPinnedObject(), data.Length);
            if (result == IntPtr.Zero)
            {
                return null;
            }

            var text = Marshal.PtrToStringAnsi(result);
            // libxcrypt's failure token starts with '*' ("*0" / "*1"), never a valid hash.
            return text is null || text.StartsWith('*') ? null : text;
        }
        finally
        {
            pinned.Free();
            CryptographicOperations.ZeroMemory(data);
            CryptographicOperations.ZeroMemory(phrase);
        }
    }

    private static byte[] NullTerminated(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    private static bool Probe()
    {
        try
        {
            return NativeLibrary.TryLoad(Library, out _) && Crypt("probe", "$6$probe$") is not null;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // crypt_rn: like crypt_r but returns NULL instead of a "*0" token on failure (libxcrypt ≥ 4.0).
    [DllImport(Library, EntryPoint = "crypt_rn", ExactSpelling = true)]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe blocks in this project; byte[] marshals as a pinned pointer here
    private static extern IntPtr crypt_rn(byte[] phrase, byte[] setting, IntPtr data, int size);
#pragma warning restore SYSLIB1054
}
