using Facteur.Accounts.Addresses;
using Facteur.Accounts.Files;

namespace Facteur.Accounts.Users;

/// <summary>
/// A parsed Dovecot passwd-file (https://doc.dovecot.org/configuration_manual/authentication/passwd_file/):
/// blank lines and lines starting with '#' are skipped; each other line is
/// <c>user:password[:uid[:gid[:gecos[:home[:shell[:extra_fields]]]]]]</c>.
/// Users whose name could not be a safe mailbox path are rejected with a problem, never loaded.
/// </summary>
internal sealed class PasswdFile
{
    private readonly Dictionary<string, PasswdEntry> _byKey;

    private PasswdFile(List<PasswdEntry> entries, Dictionary<string, PasswdEntry> byKey, List<LineProblem> problems)
    {
        Entries = entries;
        _byKey = byKey;
        Problems = problems;
    }

    public static PasswdFile Empty { get; } = new([], new(StringComparer.Ordinal), []);

    public IReadOnlyList<PasswdEntry> Entries { get; }

    public IReadOnlyList<LineProblem> Problems { get; }

    public PasswdEntry? Find(string key) => _byKey.GetValueOrDefault(key);

    public static PasswdFile Parse(IEnumerable<string> lines)
    {
        var entries = new List<PasswdEntry>();
        var byKey = new Dictionary<string, PasswdEntry>(StringComparer.Ordinal);
        var problems = new List<LineProblem>();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (TryParseLine(line, number, out var entry, out var problem))
            {
                if (entry is null)
                {
                    continue;
                }

                if (!byKey.TryAdd(entry.Key, entry))
                {
                    problems.Add(new LineProblem(number, $"user {entry.UserName} is already defined on line {byKey[entry.Key].LineNumber}; this line is ignored"));
                    continue;
                }

                entries.Add(entry);
            }
            else
            {
                problems.Add(new LineProblem(number, problem!));
            }
        }

        return new PasswdFile(entries, byKey, problems);
    }

    /// <summary>
    /// True with a null entry for a blank or comment line; true with an entry for a user line;
    /// false with a problem for a line that is not usable.
    /// </summary>
    public static bool TryParseLine(string line, int number, out PasswdEntry? entry, out string? problem)
    {
        entry = null;
        problem = null;
        if (IsBlankOrComment(line))
        {
            return true;
        }

        var colon = line.IndexOf(':');
        var user = colon < 0 ? line : line[..colon];
        var rest = colon < 0 ? string.Empty : line[(colon + 1)..];
        var next = rest.IndexOf(':');
        var password = next < 0 ? rest : rest[..next];

        if (MailboxName.Problem(user) is { } nameProblem)
        {
            problem = $"user name rejected: {nameProblem}";
            return false;
        }

        MailAddress.TryParse(user, out var address);
        entry = new PasswdEntry(user, address.Key, password, number);
        return true;
    }

    public static bool IsBlankOrComment(string line)
    {
        var trimmed = line.AsSpan().TrimStart();
        return trimmed.IsEmpty || trimmed[0] == '#';
    }

    /// <summary>The user name field of a line, without parsing the rest (for rewriting the file).</summary>
    public static string? UserField(string line)
    {
        if (IsBlankOrComment(line))
        {
            return null;
        }

        var colon = line.IndexOf(':');
        return colon < 0 ? line : line[..colon];
    }
}
