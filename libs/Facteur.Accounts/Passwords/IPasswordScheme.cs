namespace Facteur.Accounts.Passwords;

/// <summary>One Dovecot password scheme (the part after <c>{SCHEME}</c>).</summary>
internal interface IPasswordScheme
{
    /// <summary>Compares in constant time. Throws <see cref="FormatException"/> when <paramref name="hash"/> is not of this scheme's form.</summary>
    bool Verify(string password, string hash);
}
