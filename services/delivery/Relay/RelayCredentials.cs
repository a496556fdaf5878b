using System.Net;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>
/// SMTP AUTH credentials per next hop, Postfix sasl_passwd style, from <c>Relay:CredentialsFile</c>
/// (keep it mode 0600): <c>[relay.example.net]:587 user password</c> (or <c>relay.example.net</c>
/// for any port). The password is the rest of the line, so it may contain spaces.
/// </summary>
internal sealed class RelayCredentials
{
    private readonly Dictionary<string, NetworkCredential> entries = new(StringComparer.OrdinalIgnoreCase);

    public RelayCredentials(IOptions<RelayOptions> options)
    {
        if (options.Value.CredentialsFile is { Length: > 0 } file)
        {
            Load(File.ReadAllLines(file));
        }
    }

    internal RelayCredentials(IEnumerable<string> lines) => Load(lines);

    private void Load(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var words = line.Split((char[])[' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 3)
            {
                throw new FormatException("Relay credentials: expected 'host[:port] user password'.");
            }

            entries[Normalize(words[0])] = new NetworkCredential(words[1], words[2].Trim());
        }
    }

    private static string Normalize(string key) => key.Replace("[", string.Empty, StringComparison.Ordinal).Replace("]", string.Empty, StringComparison.Ordinal);

    public NetworkCredential? Find(string host, int port) =>
        entries.GetValueOrDefault($"{host}:{port}") ?? entries.GetValueOrDefault(host);
}
