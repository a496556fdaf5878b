namespace Facteur.Accounts.Passwords;

/// <summary>Makes new passwd-file password fields: <c>{ARGON2ID}…</c> (the default) or <c>{BLF-CRYPT}…</c>.</summary>
internal static class PasswordHasher
{
    public const string Argon2id = "ARGON2ID";
    public const string BlfCrypt = "BLF-CRYPT";

    public static IReadOnlyList<string> Schemes { get; } = [Argon2id, BlfCrypt];

    public static string Hash(string password, string scheme = Argon2id) => scheme.ToUpperInvariant() switch
    {
        Argon2id => "{ARGON2ID}" + Argon2Scheme.Argon2id.Hash(password),
        BlfCrypt => "{BLF-CRYPT}" + BlowfishCryptScheme.Hash(password),
        _ => throw new ArgumentException($"new hashes are {Argon2id} or {BlfCrypt}, not {scheme}", nameof(scheme)),
    };
}
