using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Facteur.Accounts.Passwords;

/// <summary>
/// SHA-crypt, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" (https://www.akkadia.org/drepper/SHA-crypt.txt):
/// <c>$5$</c> (SHA256-CRYPT) and <c>$6$</c> (SHA512-CRYPT), with optional <c>rounds=N$</c>. Written by hand: .NET has
/// no crypt(3), and the algorithm is a fixed sequence of digests. Numbered steps follow the specification.
/// </summary>
internal sealed class ShaCryptScheme : IPasswordScheme
{
    private const int DefaultRounds = 5000;
    private const int MinRounds = 1000;
    private const int MaxRounds = 999_999_999;
    private const int MaxSaltLength = 16;

    // Byte order of the final base-64 encoding (specification step 22).
    private static readonly int[][] Sha256Order =
    [
        [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
        [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
    ];

    private static readonly int[][] Sha512Order =
    [
        [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
        [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
        [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
    ];

    private readonly bool _sha512;

    private ShaCryptScheme(bool sha512) => _sha512 = sha512;

    public static ShaCryptScheme Sha256 { get; } = new(sha512: false);

    public static ShaCryptScheme Sha512 { get; } = new(sha512: true);

    private string Prefix => _sha512 ? "$6$" : "$5$";

    public bool Verify(string password, string hash)
    {
        var computed = Crypt(password, hash);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(hash));
    }

    /// <summary>
    /// crypt(password, setting) where setting is <c>$5$[rounds=N$]salt[$…]</c> (a full hash works as its own setting).
    /// </summary>
    public string Crypt(string password, string setting)
    {
        if (!setting.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException($"not a {Prefix} hash");
        }

        var rest = setting.AsSpan(Prefix.Length);
        var rounds = DefaultRounds;
        var roundsGiven = false;
        if (rest.StartsWith("rounds="))
        {
            var end = rest.IndexOf('$');
            if (end < 0 || !long.TryParse(rest[7..end], NumberStyles.None, CultureInfo.InvariantCulture, out var requested))
            {
                throw new FormatException("bad rounds= field");
            }

            rounds = (int)Math.Clamp(requested, MinRounds, MaxRounds);
            roundsGiven = true;
            rest = rest[(end + 1)..];
        }

        var saltEnd = rest.IndexOf('$');
        var saltText = (saltEnd < 0 ? rest : rest[..saltEnd]).ToString();
        if (saltText.Length > MaxSaltLength)
        {
            saltText = saltText[..MaxSaltLength];
        }

        var key = Encoding.UTF8.GetBytes(password);
        var salt = Encoding.UTF8.GetBytes(saltText);
        var digest = Compute(key, salt, rounds);

        var output = new StringBuilder(Prefix);
        if (roundsGiven)
        {
            output.Append("rounds=").Append(rounds.ToString(CultureInfo.InvariantCulture)).Append('$');
        }

        output.Append(saltText).Append('$');
        foreach (var group in _sha512 ? Sha512Order : Sha256Order)
        {
            CryptBase64.Append(output, digest[group[0]], digest[group[1]], digest[group[2]], 4);
        }

        if (_sha512)
        {
            CryptBase64.Append(output, 0, 0, digest[63], 2);
        }
        else
        {
            CryptBase64.Append(output, 0, digest[31], digest[30], 3);
        }

        return output.ToString();
    }

    private byte[] Compute(byte[] key, byte[] salt, int rounds)
    {
        var name = _sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        var size = _sha512 ? 64 : 32;

        // Steps 4-8: digest B = H(key salt key).
        byte[] b;
        using (var h = IncrementalHash.CreateHash(name))
        {
            h.AppendData(key);
            h.AppendData(salt);
            h.AppendData(key);
            b = h.GetHashAndReset();
        }

        // Steps 1-3 and 9-12: digest A.
        byte[] a;
        using (var h = IncrementalHash.CreateHash(name))
        {
            h.AppendData(key);
            h.AppendData(salt);
            AppendRepeated(h, b, key.Length, size);
            for (var length = key.Length; length > 0; length >>= 1)
            {
                // For each bit of the key length, lowest first: 1 adds B, 0 adds the key.
                h.AppendData((length & 1) != 0 ? b : key);
            }

            a = h.GetHashAndReset();
        }

        // Steps 13-16: P, the key length's worth of H(key repeated key-length times).
        byte[] p;
        using (var h = IncrementalHash.CreateHash(name))
        {
            for (var i = 0; i < key.Length; i++)
            {
                h.AppendData(key);
            }

            p = Stretch(h.GetHashAndReset(), key.Length, size);
        }

        // Steps 17-20: S, the salt length's worth of H(salt repeated 16 + A[0] times).
        byte[] s;
        using (var h = IncrementalHash.CreateHash(name))
        {
            for (var i = 0; i < 16 + a[0]; i++)
            {
                h.AppendData(salt);
            }

            s = Stretch(h.GetHashAndReset(), salt.Length, size);
        }

        // Step 21: the rounds.
        var c = a;
        using (var h = IncrementalHash.CreateHash(name))
        {
            for (var i = 0; i < rounds; i++)
            {
                h.AppendData((i & 1) != 0 ? p : c);
                if (i % 3 != 0)
                {
                    h.AppendData(s);
                }

                if (i % 7 != 0)
                {
                    h.AppendData(p);
                }

                h.AppendData((i & 1) != 0 ? c : p);
                c = h.GetHashAndReset();
            }
        }

        return c;
    }

    private static void AppendRepeated(IncrementalHash h, byte[] block, int length, int size)
    {
        var remaining = length;
        for (; remaining > size; remaining -= size)
        {
            h.AppendData(block);
        }

        h.AppendData(block, 0, remaining);
    }

    private static byte[] Stretch(byte[] block, int length, int size)
    {
        var result = new byte[length];
        for (var offset = 0; offset < length; offset += size)
        {
            Array.Copy(block, 0, result, offset, Math.Min(size, length - offset));
        }

        return result;
    }
}
