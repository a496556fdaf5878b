using Facteur.Accounts.Files;

namespace Facteur.Accounts.Addresses;

/// <summary>
/// A domains file: one domain a line, '#' starts a comment (to the end of the line), blank lines ignored —
/// the shape of a Postfix virtual_mailbox_domains file.
/// </summary>
internal sealed class DomainsFile
{
    private DomainsFile(IReadOnlyList<string> domains, HashSet<string> keys, IReadOnlyList<LineProblem> problems)
    {
        Domains = domains;
        Keys = keys;
        Problems = problems;
    }

    public static DomainsFile Empty { get; } = new([], new(StringComparer.Ordinal), []);

    /// <summary>The domains as written.</summary>
    public IReadOnlyList<string> Domains { get; }

    /// <summary>Lower-case A-label forms.</summary>
    public IReadOnlySet<string> Keys { get; }

    public IReadOnlyList<LineProblem> Problems { get; }

    public static DomainsFile Parse(IEnumerable<string> lines)
    {
        var domains = new List<string>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<LineProblem>();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            var text = StripComment(line).Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (!DomainName.TryNormalize(text, out var key))
            {
                problems.Add(new LineProblem(number, $"'{MailboxName.Printable(text)}' is not a valid domain name; ignored"));
                continue;
            }

            if (keys.Add(key))
            {
                domains.Add(text);
            }
        }

        return new DomainsFile(domains, keys, problems);
    }

    public static string StripComment(string line)
    {
        var hash = line.IndexOf('#');
        return hash < 0 ? line : line[..hash];
    }
}
