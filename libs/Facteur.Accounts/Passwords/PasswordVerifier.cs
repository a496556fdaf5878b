namespace Facteur.Accounts.Passwords;

/// <summary>
/// Checks a password against a passwd-file password field: <c>{SCHEME}hash</c>, or a bare crypt(3) string
/// (<c>$2y$</c>, <c>$5$</c>, <c>$6$</c>, <c>$argon2id$</c>, <c>$argon2i$</c>) as Dovecot's default CRYPT scheme reads it.
/// Never throws for bad input: an unknown scheme or a malformed hash is a failed check with a reason.
/// </summary>
internal static class PasswordVerifier
{
    public static PasswordCheck Verify(string password, string stored)
    {
        var (schemeName, hash) = Split(stored);
        var scheme = Find(schemeName, hash, explicitScheme: stored.StartsWith('{'));
        if (scheme is null)
        {
            return new PasswordCheck(PasswordCheckOutcome.UnknownScheme, schemeName);
        }

        try
        {
            return new PasswordCheck(scheme.Verify(password, hash) ? PasswordCheckOutcome.Match : PasswordCheckOutcome.Mismatch, schemeName);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or OverflowException)
        {
            return new PasswordCheck(PasswordCheckOutcome.Malformed, schemeName);
        }
    }

    /// <summary>The scheme name (upper case; CRYPT when there is no <c>{…}</c> prefix) and the hash.</summary>
    public static (string Scheme, string Hash) Split(string stored)
    {
        if (stored.StartsWith('{'))
        {
            var close = stored.IndexOf('}');
            if (close > 1)
            {
                return (stored[1..close].ToUpperInvariant(), stored[(close + 1)..]);
            }
        }

        return ("CRYPT", stored);
    }

    private static IPasswordScheme? Find(string scheme, string hash, bool explicitScheme) => scheme switch
    {
        "ARGON2ID" => Argon2Scheme.Argon2id,
        "ARGON2I" => Argon2Scheme.Argon2i,
        "BLF-CRYPT" => BlowfishCryptScheme.Instance,
        "SHA512-CRYPT" => ShaCryptScheme.Sha512,
        "SHA256-CRYPT" => ShaCryptScheme.Sha256,
        "SSHA512" => Ssha512Scheme.Instance,
        "PLAIN" or "CLEAR" => PlainScheme.Instance,
        "CRYPT" => ByCryptPrefix(hash) ?? BySystemCrypt(hash, explicitScheme),
        _ => null,
    };

    // An explicit {CRYPT} (what `facteur migrate from-host` writes from /etc/shadow) may be any method the
    // system's crypt(3) knows. A bare string only when it is unmistakably yescrypt: a bare field is also what a
    // typo or a clear-text password looks like, and those must stay an unknown scheme.
    private static IPasswordScheme? BySystemCrypt(string hash, bool explicitScheme) =>
        SystemCryptScheme.IsAvailable && (explicitScheme || hash.StartsWith("$y$", StringComparison.Ordinal) || hash.StartsWith("$gy$", StringComparison.Ordinal))
            ? SystemCryptScheme.Instance
            : null;

    // Dovecot's CRYPT hands the string to crypt(3), which picks the algorithm from its prefix. The methods
    // written here in managed code are used first (they work where libcrypt is missing, e.g. musl images);
    // everything else — yescrypt $y$ from /etc/shadow, $gy$, $1$, DES — goes to the system's libcrypt.
    private static IPasswordScheme? ByCryptPrefix(string hash) =>
        hash.StartsWith("$argon2id$", StringComparison.Ordinal) ? Argon2Scheme.Argon2id
        : hash.StartsWith("$argon2i$", StringComparison.Ordinal) ? Argon2Scheme.Argon2i
        : hash.StartsWith("$2a$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal) || hash.StartsWith("$2y$", StringComparison.Ordinal) ? BlowfishCryptScheme.Instance
        : hash.StartsWith("$6$", StringComparison.Ordinal) ? ShaCryptScheme.Sha512
        : hash.StartsWith("$5$", StringComparison.Ordinal) ? ShaCryptScheme.Sha256
        : null;
}
