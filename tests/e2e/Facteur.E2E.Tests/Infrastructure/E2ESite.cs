using System.Security.Cryptography;
using System.Text;
using Facteur.IntegrationTests.Infrastructure;

namespace Facteur.E2E.Tests.Infrastructure;

/// <summary>
/// The compose volumes and config/ as folders of a temp directory: config/ is the repository's
/// (the example domains/accounts/aliases files the containers mount at /etc/facteur), then the
/// test adds its users and aliases to it as an administrator would.
/// </summary>
internal sealed class E2ESite : IDisposable
{
    public const string Password = "correct horse battery staple";

    public E2ESite(string domain)
    {
        Root = Directory.CreateTempSubdirectory("facteur-e2e-").FullName;
        Domain = domain;
        Directory.CreateDirectory(MailRoot);
        Directory.CreateDirectory(SpoolRoot);
        Directory.CreateDirectory(ConfigRoot);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Root, "config")))
        {
            File.Copy(file, Path.Combine(ConfigRoot, Path.GetFileName(file)));
        }
    }

    public string Root { get; }

    public string Domain { get; }

    public string MailRoot => Path.Combine(Root, "mail");

    public string SpoolRoot => Path.Combine(Root, "spool");

    public string ConfigRoot => Path.Combine(Root, "config");

    /// <summary>Compose's container paths (the volume mount points) → this site's folders.</summary>
    public string MapContainerPath(string value) =>
        value.Replace("/var/mail/facteur", MailRoot, StringComparison.Ordinal)
            .Replace("/var/spool/facteur", SpoolRoot, StringComparison.Ordinal)
            .Replace("/etc/facteur", ConfigRoot, StringComparison.Ordinal);

    /// <summary>Adds a user with an {SSHA512} hash computed here (a scheme the accounts library verifies).</summary>
    public E2ESite WithUser(string localPart)
    {
        var salt = RandomNumberGenerator.GetBytes(8);
        var digest = SHA512.HashData([.. Encoding.UTF8.GetBytes(Password), .. salt]);
        File.AppendAllText(Path.Combine(ConfigRoot, "accounts"), $"{localPart}@{Domain}:{{SSHA512}}{Convert.ToBase64String([.. digest, .. salt])}:::::\n");
        return this;
    }

    public E2ESite WithAlias(string localPart, params string[] targets)
    {
        File.AppendAllText(Path.Combine(ConfigRoot, "aliases"), $"{localPart}@{Domain}  {string.Join(", ", targets.Select(t => $"{t}@{Domain}"))}\n");
        return this;
    }

    public MaildirProbe Maildir(string address) => new(MailRoot, address);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
