using System.Security.Cryptography.X509Certificates;

namespace Facteur.Hosting.Tls;

internal sealed class ServerCertificate(X509Certificate2 certificate, X509Certificate2Collection chain, bool isSelfSigned) : IServerCertificate
{
    public X509Certificate2 Certificate { get; } = certificate;

    public X509Certificate2Collection Chain { get; } = chain;

    public bool IsSelfSigned { get; } = isSelfSigned;
}
