using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Facteur.Hosting;

namespace Facteur.SmtpGateway.Tests.Infrastructure;

/// <summary>A throw-away self-signed certificate for the test host's TLS listeners.</summary>
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
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
