using System.ComponentModel.DataAnnotations;

namespace Facteur.Hosting;

/// <summary>The <c>Facteur</c> section shared by every service (DESIGN.md, Configuration).</summary>
public sealed class FacteurOptions
{
    public const string SectionName = "Facteur";

    /// <summary>myhostname: SMTP banner, Received headers, HELO when relaying.</summary>
    [Required]
    public string Hostname { get; set; } = "localhost";

    /// <summary>mydestination: the local domains.</summary>
    public List<string> Domains { get; set; } = ["localhost"];

    [Required]
    public string MailRoot { get; set; } = "/var/mail/facteur";

    /// <summary>Spool folder (standalone durability, claim checks). Must be on the shared volume.</summary>
    [Required]
    public string SpoolRoot { get; set; } = "/var/spool/facteur";

    [Required]
    public string AccountsFile { get; set; } = "/etc/facteur/accounts";

    [Required]
    public string AliasesFile { get; set; } = "/etc/facteur/aliases";

    [Range(1024, long.MaxValue)]
    public long MaxMessageSize { get; set; } = 26_214_400;

    /// <summary>Allow AUTH/LOGIN/USER before TLS (loopback testing only).</summary>
    public bool AllowPlaintextAuth { get; set; }

    /// <summary>Address every protocol listener binds: "*" (all, dual-stack), or an IP such as 127.0.0.1.</summary>
    [Required]
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
    /// <summary>PEM certificate (chain). None → a self-signed certificate is generated at start, with a warning.</summary>
    public string? CertificatePath { get; set; }

    public string? KeyPath { get; set; }
}
