using System.Security.Cryptography;
using System.Text;

namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>
/// A Facteur site in a temp folder: local domains, users, aliases, mail root and spool, and the
/// ports its services listen on. Users are written as {SSHA512} hashes computed here, so the
/// accounts file is checked against an implementation that is not Facteur's.
/// </summary>
internal sealed class TestSite : IDisposable
{
    public const string Password = "correct horse battery staple";

    public TestSite(params string[] domains)
    {
        Root = Directory.CreateTempSubdirectory("facteur-it-").FullName;
        Domains = domains.Length == 0 ? ["esp.sn", "example.test"] : domains;
        Directory.CreateDirectory(MailRoot);
        Directory.CreateDirectory(SpoolRoot);
        File.WriteAllText(AccountsFile, "");
        File.WriteAllText(AliasesFile, "");
        File.WriteAllLines(DomainsFile, Domains);
    }

    public string DomainsFile => Path.Combine(Root, "domains");

    public string Root { get; }

    public IReadOnlyList<string> Domains { get; }

    public string MailRoot => Path.Combine(Root, "mail");

    public string SpoolRoot => Path.Combine(Root, "spool");

    public string AccountsFile => Path.Combine(Root, "accounts");

    public string AliasesFile => Path.Combine(Root, "aliases");

    public int SmtpPort { get; } = FreePort.Next();

    public int SubmissionPort { get; } = FreePort.Next();

    public int SubmissionsPort { get; } = FreePort.Next();

    public int ImapPort { get; } = FreePort.Next();

    public int ImapTlsPort { get; } = FreePort.Next();

    public int Pop3Port { get; } = FreePort.Next();

    public int Pop3TlsPort { get; } = FreePort.Next();

    public long MaxMessageSize { get; init; } = 26_214_400;

    public TestSite WithUser(string address)
    {
        var salt = RandomNumberGenerator.GetBytes(8);
        var digest = SHA512.HashData([.. Encoding.UTF8.GetBytes(Password), .. salt]);
        File.AppendAllText(AccountsFile, $"{address}:{{SSHA512}}{Convert.ToBase64String([.. digest, .. salt])}:::::\n");
        return this;
    }

    public TestSite WithAlias(string alias, params string[] targets)
    {
        File.AppendAllText(AliasesFile, $"{alias}  {string.Join(", ", targets)}\n");
        return this;
    }

    public MaildirProbe Maildir(string address) => new(MailRoot, address);

    /// <summary>The environment every service process of this site gets (DESIGN.md configuration keys).</summary>
    public Dictionary<string, string> Environment(string transport, string? rabbitMq = null, int? managementPort = null)
    {
        var env = new Dictionary<string, string>
        {
            ["Facteur__Hostname"] = "mx.esp.sn",
            ["Facteur__MailRoot"] = MailRoot,
            ["Facteur__SpoolRoot"] = SpoolRoot,
            ["Facteur__AccountsFile"] = AccountsFile,
            ["Facteur__AliasesFile"] = AliasesFile,
            ["Facteur__DomainsFile"] = DomainsFile,
            ["Facteur__AllowPlaintextAuth"] = "true",
            ["Facteur__ListenAddress"] = "127.0.0.1",
            ["Facteur__MaxMessageSize"] = MaxMessageSize.ToString(),
            ["Facteur__Transport"] = transport,
            ["Smtp__Port"] = SmtpPort.ToString(),
            ["Smtp__SubmissionPort"] = SubmissionPort.ToString(),
            ["Smtp__SubmissionsPort"] = SubmissionsPort.ToString(),
            ["Imap__Port"] = ImapPort.ToString(),
            ["Imap__TlsPort"] = ImapTlsPort.ToString(),
            ["Pop3__Port"] = Pop3Port.ToString(),
            ["Pop3__TlsPort"] = Pop3TlsPort.ToString(),
            ["Management__Port"] = (managementPort ?? FreePort.Next()).ToString(),
            // The standalone host serves the webmail on Http:Port (8080 in its appsettings.json).
            ["Http__Port"] = FreePort.Next().ToString(),
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        for (var i = 0; i < Domains.Count; i++)
        {
            env[$"Facteur__Domains__{i}"] = Domains[i];
        }

        if (rabbitMq is not null)
        {
            env["ConnectionStrings__RabbitMq"] = rabbitMq;
        }

        return env;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }
}
