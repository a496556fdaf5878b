using System.Globalization;

namespace Facteur.Cli.Migration;

/// <summary>Reads <c>etc/passwd</c> and <c>etc/shadow</c> under a root (the real <c>/</c>, or a copy of the old server's files).</summary>
internal static class SystemUsers
{
    /// <summary>The first UID Debian's adduser gives to people (<c>FIRST_UID</c> in /etc/adduser.conf).</summary>
    public const int FirstUserUid = 1000;

    /// <summary>nobody: UID 65534 on Debian, never a person.</summary>
    public const int NobodyUid = 65534;

    public static List<HostUser> Read(string root)
    {
        var passwd = Path.Combine(root, "etc", "passwd");
        if (!File.Exists(passwd))
        {
            throw new CommandFailedException($"{passwd} does not exist");
        }

        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var shadow = Path.Combine(root, "etc", "shadow");
        if (File.Exists(shadow))
        {
            foreach (var line in File.ReadAllLines(shadow))
            {
                var fields = line.Split(':');
                if (fields.Length >= 2 && fields[0].Length > 0 && !line.StartsWith('#'))
                {
                    hashes[fields[0]] = fields[1];
                }
            }
        }

        var users = new List<HostUser>();
        foreach (var line in File.ReadAllLines(passwd))
        {
            var fields = line.Split(':');
            if (fields.Length < 7 || line.StartsWith('#') || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            {
                continue;
            }

            // "x" in passwd means "see shadow"; anything else there is the hash itself (very old systems).
            var hash = fields[1] == "x" ? hashes.GetValueOrDefault(fields[0]) : fields[1];
            users.Add(new HostUser(fields[0], uid, fields[5], hash));
        }

        return users;
    }

    /// <summary>A path of the old server (absolute there) as seen under <paramref name="root"/>.</summary>
    public static string UnderRoot(string root, string path) => Path.Combine(root, path.TrimStart('/'));
}
