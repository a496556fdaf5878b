using System.Buffers;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>
/// Splits a command line (without its CRLF) into verb and arguments.
/// <code>
/// command   = verb [ SP arguments ]      ; RFC 5321 §4.1.1, verbs case-insensitive
/// verb      = 1*ALPHA
/// </code>
/// Leaves <paramref name="reader"/> on the first octet of the arguments.
/// </summary>
internal static class CommandLineParser
{
    private static readonly (string Name, SmtpVerb Verb)[] Verbs =
    [
        ("HELO", SmtpVerb.Helo), ("EHLO", SmtpVerb.Ehlo), ("MAIL", SmtpVerb.Mail), ("RCPT", SmtpVerb.Rcpt),
        ("DATA", SmtpVerb.Data), ("BDAT", SmtpVerb.Bdat), ("RSET", SmtpVerb.Rset), ("NOOP", SmtpVerb.Noop),
        ("QUIT", SmtpVerb.Quit), ("VRFY", SmtpVerb.Vrfy), ("EXPN", SmtpVerb.Expn), ("HELP", SmtpVerb.Help),
        ("STARTTLS", SmtpVerb.StartTls), ("AUTH", SmtpVerb.Auth), ("XCLIENT", SmtpVerb.Xclient),
    ];

    /// <returns>The verb (Unknown for anything else) and whether arguments follow.</returns>
    public static SmtpVerb Parse(ref SequenceReader<byte> reader, out bool hasArguments)
    {
        hasArguments = false;
        Span<byte> word = stackalloc byte[8];
        var length = 0;
        while (reader.TryPeek(out var b) && b != (byte)' ')
        {
            if (length == word.Length || !IsAsciiLetter(b))
            {
                return SmtpVerb.Unknown;
            }

            word[length++] = (byte)(b & ~0x20); // upper-case an ASCII letter
            reader.Advance(1);
        }

        if (reader.TryPeek(out _))
        {
            reader.Advance(1); // the SP
            hasArguments = true;
        }

        foreach (var (name, verb) in Verbs)
        {
            if (name.Length == length && Matches(word[..length], name))
            {
                return verb;
            }
        }

        return SmtpVerb.Unknown;
    }

    private static bool IsAsciiLetter(byte b) => b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z';

    private static bool Matches(ReadOnlySpan<byte> upper, string name)
    {
        for (var i = 0; i < upper.Length; i++)
        {
            if (upper[i] != name[i])
            {
                return false;
            }
        }

        return true;
    }
}
