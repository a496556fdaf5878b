using System.Text;

namespace Facteur.Migration.Tests;

/// <summary>
/// The files of an old Debian mail server under a folder (for <c>--root</c>): etc/passwd and etc/shadow with
/// passwords set by the real <c>chpasswd -R</c> (yescrypt, Debian 12's default), homes, /var/mail, aliases.
/// Never the machine's own /etc.
/// </summary>
internal sealed class FakeHost
{
    public FakeHost(string root)
    {
        Root = root;
        Directory.CreateDirectory(Path.Combine(root, "etc", "postfix"));
        Directory.CreateDirectory(Path.Combine(root, "var", "mail"));
    }

    public string Root { get; }

    public string this[string relative] => Path.Combine(Root, relative);

    /// <summary>Adds users (name, uid, password or null for a locked account) and sets the passwords with chpasswd.</summary>
    public void AddUsers(params (string Name, int Uid, string? Password)[] users)
    {
        var passwd = new StringBuilder("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        var shadow = new StringBuilder("root:*:20000:0:99999:7:::\ndaemon:*:20000:0:99999:7:::\nnobody:*:20000:0:99999:7:::\n");
        foreach (var (name, uid, _) in users)
        {
            passwd.Append($"{name}:x:{uid}:{uid}:{name}:/home/{name}:/bin/bash\n");
            shadow.Append($"{name}:!:20000:0:99999:7:::\n");
            Directory.CreateDirectory(this[$"home/{name}"]);
        }

        File.WriteAllText(this["etc/passwd"], passwd.ToString());
        File.WriteAllText(this["etc/shadow"], shadow.ToString());
        var input = string.Concat(users.Where(u => u.Password is not null).Select(u => $"{u.Name}:{u.Password}\n"));
        if (input.Length > 0)
        {
            Cli.Tool("chpasswd", ["-R", Root, "-c", "YESCRYPT"], input);
        }
    }

    public string ShadowHash(string user) =>
        File.ReadAllLines(this["etc/shadow"]).Select(l => l.Split(':')).First(f => f[0] == user)[1];

    /// <summary>Every file under the mail root with its size, mtime and content hash: what a re-run must leave alone.</summary>
    public static SortedDictionary<string, string> Snapshot(string folder)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(folder))
        {
            return result;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            result[Path.GetRelativePath(folder, file)] = $"{bytes.Length} {File.GetLastWriteTimeUtc(file):O} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))}";
        }

        return result;
    }
}
