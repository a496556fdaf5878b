using System.Security.Cryptography;

namespace Facteur.SmtpGateway;

/// <summary>
/// Queue ids: 10 Crockford-base32 characters of Unix milliseconds followed by 12 of randomness
/// (60 bits). The alphabet is in ASCII order, so ids sort by time as strings; they contain only
/// [0-9A-Z] and are safe in file names and URLs; the random part keeps replicas from colliding
/// without any coordination.
/// </summary>
internal static class QueueIdGenerator
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public const int Length = 22;

    public static string Next(TimeProvider time)
    {
        Span<char> id = stackalloc char[Length];
        var ms = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 9; i >= 0; i--)
        {
            id[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        var bits = BitConverter.ToUInt64(random);
        for (var i = 10; i < Length; i++)
        {
            id[i] = Alphabet[(int)(bits & 31)];
            bits >>= 5;
        }

        return new string(id);
    }
}
