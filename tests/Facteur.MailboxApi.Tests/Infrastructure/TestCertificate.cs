using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Facteur.Hosting;

namespace Facteur.MailboxApi.Tests.Infrastructure;

/// <summary>A self-signed certificate for the test servers (the hosting library's loader is not needed here).</summary>
internal sealed class TestCertificate : IServerCertificate
{
    private static readonly Lazy<X509Certificate2> Shared = new(Create);

    public X509Certificate2 Certificate => Shared.Value;

    public bool IsSelfSigned => true;

    private static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Round-trip through PKCS#12 so SslStream can use the private key on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
