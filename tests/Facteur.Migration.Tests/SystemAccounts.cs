using System.Globalization;

namespace Facteur.Migration.Tests;

/// <summary>A real account of this machine: in /etc/passwd and /etc/shadow, with a home under the test's folder.</summary>
internal sealed record SystemUser(string Name, int Uid, int Gid, string Home, string Password)
{
    /// <summary>Debian's mail spool for the user: where Postfix's local(8) appends when it delivers to an mbox.</summary>
    public string Spool => Path.Combine("/var/mail", Name);
}

/// <summary>
/// Creates real system users with <c>useradd</c> and sets their passwords with <c>chpasswd -c YESCRYPT</c>
/// (Debian 12's PAM default; login.defs may still say SHA512), so Postfix's local(8) and Dovecot's shadow
/// passdb see them as they see any person on an old mail server. Names are unique per test run
/// (<c>fmig</c> + random + role) and everything is removed at the end; accounts left by a killed run
/// (prefix <c>fmig</c>, home gone) are removed at the next start.
/// </summary>
internal sealed class SystemAccounts : IDisposable
{
    private const string Prefix = "fmig";
    private readonly Dictionary<string, SystemUser> _users = new(StringComparer.Ordinal);

    private SystemAccounts()
    {
    }

    public SystemUser this[string role] => _users[role];

    public IEnumerable<SystemUser> All => _users.Values;

    /// <param name="homes">The folder the homes go into (made traversable: Postfix and Dovecot run as the users).</param>
    /// <param name="users">A role (alice, bob) and the password to set.</param>
    public static SystemAccounts Create(string homes, params (string Role, string Password)[] users)
    {
        RemoveLeftovers();
        Directory.CreateDirectory(homes);
        var accounts = new SystemAccounts();
        var run = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 3);
        try
        {
            foreach (var (role, password) in users)
            {
                var name = $"{Prefix}{run}{role}";
                var home = Path.Combine(homes, name);
                Cli.Tool("useradd", ["--create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", "--comment", "facteur migration test", name]);
                var uid = int.Parse(Cli.Tool("id", ["-u", name]).Trim(), CultureInfo.InvariantCulture);
                var gid = int.Parse(Cli.Tool("id", ["-g", name]).Trim(), CultureInfo.InvariantCulture);
                accounts._users[role] = new SystemUser(name, uid, gid, home, password);
            }

            Cli.Tool("chpasswd", ["-c", "YESCRYPT"], string.Concat(accounts.All.Select(u => $"{u.Name}:{u.Password}\n")));
            return accounts;
        }
        catch
        {
            accounts.Dispose();
            throw;
        }
    }

    /// <summary>The user's password hash as /etc/shadow holds it.</summary>
    public static string ShadowHash(string name) =>
        File.ReadLines("/etc/shadow").Select(l => l.Split(':')).First(f => f[0] == name)[1];

    public void Dispose()
    {
        foreach (var user in _users.Values)
        {
            Remove(user.Name);
        }

        _users.Clear();
    }

    private static void Remove(string name)
    {
        Cli.TryTool("userdel", [name]);
        foreach (var path in (string[])[Path.Combine("/var/mail", name), Path.Combine("/var/mail", name + ".lock")])
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
        }
    }

    private static void RemoveLeftovers()
    {
        foreach (var fields in File.ReadLines("/etc/passwd").Select(l => l.Split(':')))
        {
            if (fields.Length >= 7 && fields[0].StartsWith(Prefix, StringComparison.Ordinal) && fields[4] == "facteur migration test" && !Directory.Exists(fields[5]))
            {
                Remove(fields[0]);
            }
        }
    }
}
