using System.Text;

namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>Counts test messages in Maildir files by the token each carries in its Subject.</summary>
internal static class MessageTokens
{
    public static string Subject(string run, int n) => $"{run}-{n:D6}";

    /// <summary>Subject token → how many files carry it.</summary>
    public static Dictionary<string, int> Count(IEnumerable<string> files, string run)
    {
        var counts = new Dictionary<string, int>();
        foreach (var file in files)
        {
            var token = SubjectOf(file);
            if (token is not null && token.StartsWith(run + "-", StringComparison.Ordinal))
            {
                counts[token] = counts.GetValueOrDefault(token) + 1;
            }
        }

        return counts;
    }

    public static string? SubjectOf(string file)
    {
        using var reader = new StreamReader(file, Encoding.UTF8);
        for (var line = reader.ReadLine(); !string.IsNullOrEmpty(line); line = reader.ReadLine())
        {
            if (line.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase))
            {
                return line[8..].Trim();
            }
        }

        return null;
    }
}
