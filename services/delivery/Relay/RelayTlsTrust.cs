using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Certificate verification where the relay needs a valid certificate (MTA-STS enforce, RFC 8461
/// §4.2, and the policy fetch, §3.3): the system trust store, plus the authorities of
/// <c>Relay:TlsCaFile</c> (a private PKI, or a test's CA). A name mismatch is never forgiven.
/// </summary>
internal sealed class RelayTlsTrust
{
    private readonly X509Certificate2Collection extraRoots = [];

    public RelayTlsTrust(IOptions<RelayOptions> options)
    {
        if (options.Value.TlsCaFile is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"Relay:TlsCaFile '{file}' does not exist.", file);
            }

            extraRoots.ImportFromPemFile(file);
            if (extraRoots.Count == 0)
            {
                throw new InvalidDataException($"Relay:TlsCaFile '{file}' holds no PEM certificate.");
            }
        }
    }

    /// <summary>True when the certificate is valid for the name the TLS layer checked against.</summary>
    public bool IsValid(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // Only an untrusted chain can be rescued by the configured authorities.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || extraRoots.Count == 0 || certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (certificate is X509Certificate2 leaf)
        {
            return custom.Build(leaf);
        }

        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(copy);
    }
}
