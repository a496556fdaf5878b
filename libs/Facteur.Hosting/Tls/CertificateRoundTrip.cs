using System.Security.Cryptography.X509Certificates;

namespace Facteur.Hosting.Tls;

internal static class CertificateRoundTrip
{
    /// <summary>
    /// A certificate joined with an ephemeral key (<c>CreateFromPem</c>, <c>CertificateRequest</c>)
    /// is not always accepted by SslStream as a server certificate; exporting to PKCS#12 and
    /// importing again gives it a key the platform's TLS stack can use, on Linux and elsewhere.
    /// </summary>
    public static X509Certificate2 MakeUsableByTls(X509Certificate2 certificate)
    {
        var pkcs12 = certificate.Export(X509ContentType.Pkcs12);
        return X509CertificateLoader.LoadPkcs12(pkcs12, password: null, X509KeyStorageFlags.Exportable);
    }
}
