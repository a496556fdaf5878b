using System.ComponentModel.DataAnnotations;

namespace Facteur.Hosting;

/// <summary>The <c>Facteur</c> section shared by every service (DESIGN.md, Configuration).</summary>
/// <remarks>
/// Error messages name the full configuration key so that a failed start prints one line an
/// operator can act on; <see cref="Configuration.FacteurOptionsValidator"/> adds the rules that
/// data annotations cannot express.
/// </remarks>
public sealed class FacteurOptions
{
    public const string SectionName = "Facteur";

    /// <summary>myhostname: SMTP banner, Received headers, HELO when relaying.</summary>
    [Required(ErrorMessage = "Facteur:Hostname is required")]
    public string Hostname { get; set; } = "localhost";

    /// <summary>mydestination: the local domains.</summary>
    public List<string> Domains { get; set; } = ["localhost"];

    [Required(ErrorMessage = "Facteur:MailRoot is required")]
    public string MailRoot { get; set; } = "/var/mail/facteur";

    /// <summary>Spool folder (standalone durability, claim checks). Must be on the shared volume.</summary>
    [Required(ErrorMessage = "Facteur:SpoolRoot is required")]
    public string SpoolRoot { get; set; } = "/var/spool/facteur";

    [Required(ErrorMessage = "Facteur:AccountsFile is required")]
    public string AccountsFile { get; set; } = "/etc/facteur/accounts";

    [Required(ErrorMessage = "Facteur:AliasesFile is required")]
    public string AliasesFile { get; set; } = "/etc/facteur/aliases";

    [Range(1024, long.MaxValue, ErrorMessage = "Facteur:MaxMessageSize must be at least 1024")]
    public long MaxMessageSize { get; set; } = 26_214_400;

    /// <summary>Allow AUTH/LOGIN/USER before TLS (loopback testing only).</summary>
    public bool AllowPlaintextAuth { get; set; }

    /// <summary>Address every protocol listener binds: "*" (all, dual-stack), "localhost", or an IP such as 127.0.0.1.</summary>
    [Required(ErrorMessage = "Facteur:ListenAddress is required")]
    public string ListenAddress { get; set; } = "*";

    public FacteurTransport Transport { get; set; } = FacteurTransport.RabbitMq;

    public TlsOptions Tls { get; set; } = new();
}

public enum FacteurTransport
{
    RabbitMq,
    InMemory,
}

public sealed class TlsOptions
{
    /// <summary>PEM certificate (leaf first, then the chain). None → a self-signed certificate is generated at start, with a warning.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key (RSA or EC, unencrypted). None → the key is read from <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }
}
