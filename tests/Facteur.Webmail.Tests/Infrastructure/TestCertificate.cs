using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>A self-signed certificate for mail.esp.sn written as PEM files, for an edge that terminates TLS.</summary>
internal static class TestCertificate
{
    public static (string CertificatePath, string KeyPath) WritePem(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={MailStack.WebHost}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(MailStack.WebHost);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Directory.CreateDirectory(folder);
        var certificatePath = Path.Combine(folder, "edge.pem");
        var keyPath = Path.Combine(folder, "edge.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
