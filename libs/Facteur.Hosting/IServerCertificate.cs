using System.Security.Cryptography.X509Certificates;

namespace Facteur.Hosting;

/// <summary>The TLS certificate every listener presents (STARTTLS and implicit TLS).</summary>
public interface IServerCertificate
{
    X509Certificate2 Certificate { get; }

    /// <summary>True when no certificate was configured and one was generated at start.</summary>
    bool IsSelfSigned { get; }

    /// <summary>
    /// Intermediate certificates that followed the leaf in the PEM file (empty when none).
    /// Pass them to <c>SslStreamCertificateContext.Create(Certificate, Chain)</c> so clients get the full chain.
    /// </summary>
    X509Certificate2Collection Chain => [];
}
