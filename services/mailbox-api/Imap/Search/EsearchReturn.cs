using System.Text;
using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// The RETURN options of ESEARCH (RFC 4731 §3.1) as SEARCH and SORT (ESORT, RFC 5267 §3) both take
/// them, and the <c>* ESEARCH</c> line they answer with.
/// </summary>
internal static class EsearchReturn
{
    /// <summary>Reads <c>RETURN (...) SP</c> when present; null without it. <c>RETURN ()</c> means ALL.</summary>
    public static HashSet<string>? Read(ImapParser arguments, string command)
    {
        if (!arguments.TryKeyword("RETURN "))
        {
            return null;
        }

        var returns = new HashSet<string>(StringComparer.Ordinal);
        arguments.ReadList(() => returns.Add(arguments.ReadAtom().ToUpperInvariant()));
        if (returns.Any(r => r is not ("MIN" or "MAX" or "COUNT" or "ALL")))
        {
            throw new ImapParseException($"Unknown {command} RETURN option");
        }

        if (returns.Count == 0)
        {
            returns.Add("ALL");
        }

        arguments.Space();
        return returns;
    }

    /// <summary>
    /// <c>ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [COUNT n] [ALL set]</c>: MIN and MAX are the first
    /// and last of <paramref name="numbers"/> as ordered by the caller; <paramref name="formatAll"/>
    /// writes ALL (a folded sequence set for SEARCH, sort order kept for SORT).
    /// </summary>
    public static string Format(string tag, bool uid, IReadOnlyList<uint> numbers, HashSet<string> returns, Func<IReadOnlyList<uint>, string> formatAll)
    {
        var line = new StringBuilder($"ESEARCH (TAG {ImapResponseBuilder.Quote(tag)})");
        if (uid)
        {
            line.Append(" UID");
        }

        if (numbers.Count > 0 && returns.Contains("MIN"))
        {
            line.Append(" MIN ").Append(numbers[0]);
        }

        if (numbers.Count > 0 && returns.Contains("MAX"))
        {
            line.Append(" MAX ").Append(numbers[^1]);
        }

        if (returns.Contains("COUNT"))
        {
            line.Append(" COUNT ").Append(numbers.Count);
        }

        if (numbers.Count > 0 && returns.Contains("ALL"))
        {
            line.Append(" ALL ").Append(formatAll(numbers));
        }

        return line.ToString();
    }
}
