namespace Facteur.Accounts.Passwords;

/// <summary>The base-64 alphabet of crypt(3) (<c>./0-9A-Za-z</c>), least significant 6 bits first.</summary>
internal static class CryptBase64
{
    public const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Appends the 24 bits <c>b2:b1:b0</c> as <paramref name="count"/> characters.</summary>
    public static void Append(System.Text.StringBuilder output, byte b2, byte b1, byte b0, int count)
    {
        var w = (b2 << 16) | (b1 << 8) | b0;
        for (var i = 0; i < count; i++)
        {
            output.Append(Alphabet[w & 0x3f]);
            w >>= 6;
        }
    }

    public static bool IsCryptBase64(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (Alphabet.IndexOf(c) < 0)
            {
                return false;
            }
        }

        return true;
    }
}
