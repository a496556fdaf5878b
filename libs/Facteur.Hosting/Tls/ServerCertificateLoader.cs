using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Hosting.Tls;

/// <summary>Builds the <see cref="IServerCertificate"/> singleton: the configured PEM pair, else a self-signed one.</summary>
internal sealed class ServerCertificateLoader(IOptions<FacteurOptions> options, TimeProvider time, ILogger<ServerCertificateLoader> logger)
{
    public IServerCertificate Load()
    {
        var facteur = options.Value;
        if (!string.IsNullOrWhiteSpace(facteur.Tls.CertificatePath))
        {
            var loaded = PemCertificateLoader.Load(facteur.Tls.CertificatePath, facteur.Tls.KeyPath);
            HostingLog.CertificateLoaded(logger, facteur.Tls.CertificatePath, loaded.Certificate.Subject, loaded.Certificate.NotAfter, loaded.Chain.Count);
            if (loaded.Certificate.NotAfter.ToUniversalTime() < time.GetUtcNow().UtcDateTime)
            {
                HostingLog.CertificateExpired(logger, facteur.Tls.CertificatePath, loaded.Certificate.NotAfter);
            }

            return loaded;
        }

        var folder = Path.Combine(facteur.SpoolRoot, "tls");
        try
        {
            var (certificate, reused) = SelfSignedCertificate.GetOrCreate(facteur.Hostname, folder, time.GetUtcNow());
            HostingLog.SelfSignedInUse(logger, facteur.Hostname, reused ? "reused" : "generated", Path.Combine(folder, SelfSignedCertificate.FileName), certificate.Certificate.Thumbprint);
            return certificate;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            HostingLog.SelfSignedNotPersisted(logger, folder, ex.Message);
            var (certificate, _) = SelfSignedCertificate.GetOrCreate(facteur.Hostname, folder: null, time.GetUtcNow());
            HostingLog.SelfSignedInUse(logger, facteur.Hostname, "generated in memory", "-", certificate.Certificate.Thumbprint);
            return certificate;
        }
    }
}
