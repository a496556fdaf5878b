using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Facteur.Accounts.Addresses;
using Facteur.Accounts.Aliases;
using Facteur.Accounts.Users;
using Facteur.Cli.Files;
using Facteur.Hosting;
using Microsoft.Extensions.Configuration;

namespace Facteur.Cli.Configuration;

/// <summary>
/// What <c>facteur config check</c> finds: every problem names its configuration key (DESIGN.md: "every
/// misconfiguration fails at start with one line that names the key"), and a summary of what the services would do.
/// </summary>
internal sealed class ConfigurationCheck(IConfiguration configuration, string workingDirectory)
{
    /// <summary>The listeners, their keys and the container defaults of DESIGN.md.</summary>
    internal static readonly (string Key, int Default, string Name, string Role)[] Listeners =
    [
        ("Smtp:Port", 25, "smtp", "MX: local recipients only, no AUTH"),
        ("Smtp:SubmissionPort", 587, "submission", "STARTTLS, then AUTH required"),
        ("Smtp:SubmissionsPort", 465, "submissions", "implicit TLS, AUTH required"),
        ("Imap:Port", 143, "imap", "STARTTLS"),
        ("Imap:TlsPort", 993, "imaps", "implicit TLS"),
        ("Pop3:Port", 110, "pop3", "STLS"),
        ("Pop3:TlsPort", 995, "pop3s", "implicit TLS"),
        ("Management:Port", 8081, "management", "HTTP: /healthz, /readyz, /metrics"),
    ];

    private readonly FacteurOptions _defaults = new();

    public List<(string Key, string Message)> Errors { get; } = [];

    public List<string> Warnings { get; } = [];

    public List<string> Summary { get; } = [];

    public ConfigurationCheck Run()
    {
        var hostname = Value("Facteur:Hostname", _defaults.Hostname);
        if (!DomainName.TryNormalize(hostname, out _))
        {
            Error("Facteur:Hostname", $"'{Printable(hostname)}' is not a valid host name");
        }

        var domains = CheckDomains();
        var mailRoot = CheckWritableFolder("Facteur:MailRoot", _defaults.MailRoot);
        var spoolRoot = CheckWritableFolder("Facteur:SpoolRoot", _defaults.SpoolRoot);
        CheckMaxMessageSize();
        CheckBoolean("Facteur:AllowPlaintextAuth");
        CheckDelimiter();
        var transport = CheckTransport();
        var tls = CheckTls();
        var listenAddress = CheckListenAddress();
        var listeners = CheckPorts();
        var accounts = CheckAccountsFiles();

        Summary.Add($"hostname      {hostname}");
        Summary.Add($"domains       {string.Join(", ", domains)}");
        Summary.Add($"mail root     {mailRoot}");
        Summary.Add($"spool         {spoolRoot}");
        Summary.AddRange(accounts);
        Summary.Add($"transport     {transport}");
        Summary.Add($"tls           {tls}");
        Summary.Add("listens on");
        foreach (var (name, port, role) in listeners)
        {
            var where = port == 0 ? "any free port" : Endpoint(listenAddress, port);
            Summary.Add($"  {name,-12} {where,-22} {role}");
        }

        return this;
    }

    private List<string> CheckDomains()
    {
        var domains = new List<string>();
        var children = configuration.GetSection("Facteur:Domains").GetChildren().ToList();
        foreach (var child in children)
        {
            if (!DomainName.TryNormalize(child.Value, out _))
            {
                Error(child.Path, $"'{Printable(child.Value ?? string.Empty)}' is not a valid domain name");
            }
            else
            {
                domains.Add(child.Value!.Trim());
            }
        }

        if (children.Count == 0)
        {
            domains.Add("localhost");
        }

        var path = FullPath(Value("Facteur:DomainsFile", new Accounts.AccountsOptions().DomainsFile));
        if (File.Exists(path))
        {
            var file = DomainsFile.Parse(LockedTextFile.ReadLines(path));
            foreach (var problem in file.Problems)
            {
                Error("Facteur:DomainsFile", $"{path} line {problem.LineNumber}: {problem.Message}");
            }

            domains.AddRange(file.Domains);
        }

        return domains;
    }

    private string CheckWritableFolder(string key, string fallback)
    {
        var path = FullPath(Value(key, fallback));
        var existing = path;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                Error(key, $"{path} is not writable: {existing} is a file, not a folder");
                return path;
            }

            existing = Path.GetDirectoryName(existing);
            if (existing is null)
            {
                Error(key, $"{path} is not writable: no parent folder exists");
                return path;
            }
        }

        try
        {
            var probe = Path.Combine(existing, $".facteur-config-check-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Error(key, $"{path} is not writable ({CliSettings.OneLine(exception.Message)})");
        }

        return existing == path ? path : $"{path} (does not exist yet; {existing} is writable)";
    }

    private void CheckMaxMessageSize()
    {
        var text = configuration["Facteur:MaxMessageSize"];
        if (text is not null && (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size < 1024))
        {
            Error("Facteur:MaxMessageSize", $"'{Printable(text)}' is not a size in bytes of at least 1024");
        }
    }

    private void CheckBoolean(string key)
    {
        if (configuration[key] is { } text && !bool.TryParse(text, out _))
        {
            Error(key, $"'{Printable(text)}' is not true or false");
        }
    }

    private void CheckDelimiter()
    {
        if (configuration["Facteur:RecipientDelimiter"] is { } text && text.Any(c => c == '@' || c == '"' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            Error("Facteur:RecipientDelimiter", "must not contain '@', quotes or white space");
        }
    }

    private string CheckTransport()
    {
        var text = Value("Facteur:Transport", _defaults.Transport.ToString());
        if (!Enum.TryParse<FacteurTransport>(text, ignoreCase: true, out var transport) || !Enum.IsDefined(transport))
        {
            Error("Facteur:Transport", $"'{Printable(text)}' is not RabbitMq or InMemory");
            return text;
        }

        if (transport != FacteurTransport.RabbitMq)
        {
            return transport.ToString();
        }

        var connection = configuration["ConnectionStrings:RabbitMq"];
        if (string.IsNullOrWhiteSpace(connection))
        {
            Error("ConnectionStrings:RabbitMq", "is required when Facteur:Transport is RabbitMq (amqp://user:pass@host:5672/vhost)");
            return "RabbitMq";
        }

        if (!Uri.TryCreate(connection, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            Error("ConnectionStrings:RabbitMq", "is not an amqp:// or amqps:// URL");
            return "RabbitMq";
        }

        var shown = string.IsNullOrEmpty(uri.UserInfo) ? uri.ToString() : uri.ToString().Replace(uri.UserInfo, uri.UserInfo.Split(':')[0] + ":***", StringComparison.Ordinal);
        return $"RabbitMq {shown}";
    }

    private string CheckTls()
    {
        var certificate = configuration["Facteur:Tls:CertificatePath"];
        var key = configuration["Facteur:Tls:KeyPath"];
        if (string.IsNullOrWhiteSpace(certificate))
        {
            if (!string.IsNullOrWhiteSpace(key))
            {
                Error("Facteur:Tls:CertificatePath", "is not set, but Facteur:Tls:KeyPath is: a TLS key needs its certificate");
            }

            return "no certificate configured: a self-signed one is generated at start";
        }

        var certificatePath = FullPath(certificate);
        if (!File.Exists(certificatePath))
        {
            Error("Facteur:Tls:CertificatePath", $"{certificatePath} does not exist");
            return certificatePath;
        }

        string? keyPath = null;
        if (!string.IsNullOrWhiteSpace(key))
        {
            keyPath = FullPath(key);
            if (!File.Exists(keyPath))
            {
                Error("Facteur:Tls:KeyPath", $"{keyPath} does not exist");
                return certificatePath;
            }
        }

        try
        {
            using var loaded = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            if (!loaded.HasPrivateKey)
            {
                Error("Facteur:Tls:KeyPath", "is not set and the certificate file holds no private key");
            }

            if (loaded.NotAfter < DateTime.Now)
            {
                Warnings.Add($"Facteur:Tls:CertificatePath: the certificate expired on {loaded.NotAfter:yyyy-MM-dd}");
            }

            return $"{certificatePath} ({loaded.Subject}, until {loaded.NotAfter:yyyy-MM-dd})";
        }
        catch (CryptographicException exception)
        {
            Error(keyPath is null ? "Facteur:Tls:KeyPath" : "Facteur:Tls:CertificatePath", $"certificate and key cannot be loaded together ({CliSettings.OneLine(exception.Message)})");
            return certificatePath;
        }
    }

    private string CheckListenAddress()
    {
        var text = Value("Facteur:ListenAddress", _defaults.ListenAddress);
        if (text != "*" && !IPAddress.TryParse(text, out _))
        {
            Error("Facteur:ListenAddress", $"'{Printable(text)}' is not * or an IP address");
        }

        return text;
    }

    private List<(string Name, int Port, string Role)> CheckPorts()
    {
        var result = new List<(string, int, string)>();
        var used = new Dictionary<int, string>();
        foreach (var (key, fallback, name, role) in Listeners)
        {
            var port = fallback;
            if (configuration[key] is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
            {
                Error(key, $"'{Printable(text)}' is not a port number (0-65535)");
                continue;
            }

            if (port != 0 && !used.TryAdd(port, key))
            {
                Error(key, $"port {port} is already used by {used[port]}");
            }

            result.Add((name, port, role));
        }

        return result;
    }

    private List<string> CheckAccountsFiles()
    {
        var defaults = new Accounts.AccountsOptions();
        var accounts = FullPath(Value("Facteur:AccountsFile", defaults.AccountsFile));
        var aliases = FullPath(Value("Facteur:AliasesFile", defaults.AliasesFile));
        var lines = new List<string>();
        if (File.Exists(accounts))
        {
            var file = PasswdFile.Parse(LockedTextFile.ReadLines(accounts));
            Warnings.AddRange(file.Problems.Select(p => $"Facteur:AccountsFile: {accounts} line {p.LineNumber}: {p.Message}"));
            lines.Add($"accounts      {accounts} ({file.Entries.Count} users)");
        }
        else
        {
            Warnings.Add($"Facteur:AccountsFile: {accounts} does not exist: no user can log in or receive mail");
            lines.Add($"accounts      {accounts} (missing)");
        }

        if (File.Exists(aliases))
        {
            var file = VirtualAliasFile.Parse(LockedTextFile.ReadLines(aliases));
            Warnings.AddRange(file.Problems.Select(p => $"Facteur:AliasesFile: {aliases} line {p.LineNumber}: {p.Message}"));
            lines.Add($"aliases       {aliases} ({file.Entries.Count} aliases)");
        }
        else
        {
            lines.Add($"aliases       {aliases} (none)");
        }

        return lines;
    }

    private static string Endpoint(string address, int port) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{ip}]:{port}"
            : $"{address}:{port}";

    private string Value(string key, string fallback) => configuration[key] is { Length: > 0 } value ? value : fallback;

    private string FullPath(string path) => Path.GetFullPath(path, workingDirectory);

    private void Error(string key, string message) => Errors.Add((key, message));

    private static string Printable(string text) => MailboxName.Printable(text);
}
