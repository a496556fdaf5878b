using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Facteur.Hosting.Tests;

/// <summary>Makes PEM files the way an operator's CA (or certbot) would hand them over.</summary>
internal static class TestCertificates
{
    public static (string CertificatePem, string KeyPem) Rsa(string hostname)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddServerExtensions(request, hostname);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem(), key.ExportRSAPrivateKeyPem());
    }

    public static (string CertificatePem, string KeyPem) Ecdsa(string hostname)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        AddServerExtensions(request, hostname);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A leaf signed by an intermediate: the certificate file is leaf + intermediate (fullchain.pem).</summary>
    public static (string FullChainPem, string KeyPem, string IntermediateThumbprint) SignedByIntermediate(string hostname)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Facteur Test Intermediate", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest($"CN={hostname}", leafKey, HashAlgorithmName.SHA256);
        AddServerExtensions(leafRequest, hostname);
        using var leaf = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4]);
        return (leaf.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n", leafKey.ExportPkcs8PrivateKeyPem(), ca.Thumbprint);
    }

    private static void AddServerExtensions(CertificateRequest request, string hostname)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
    }
}
