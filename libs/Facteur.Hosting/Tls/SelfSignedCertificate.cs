using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Facteur.Hosting.Tls;

/// <summary>
/// The certificate used when none is configured. It is kept in <c>{SpoolRoot}/tls/self-signed.pem</c>
/// (mode 0600) so that a restart, and every replica sharing the spool volume, presents the same
/// certificate: a mail client that was told to trust it once keeps working, and clients that pin
/// on first use (TOFU) do not see a key change on each deploy. It is regenerated when the host
/// name changes or expiry is near.
/// </summary>
internal static class SelfSignedCertificate
{
    public const string FileName = "self-signed.pem";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <param name="folder">Where to keep it; null keeps it in memory only.</param>
    public static (ServerCertificate Certificate, bool Reused) GetOrCreate(string hostname, string? folder, DateTimeOffset now)
    {
        var path = folder is null ? null : Path.Combine(folder, FileName);
        if (path is not null && TryLoad(path, hostname, now) is { } existing)
        {
            return (new ServerCertificate(existing, [], isSelfSigned: true), true);
        }

        using var created = Create(hostname, now);
        if (path is not null)
        {
            Save(created, folder!, path);
        }

        return (new ServerCertificate(CertificateRoundTrip.MakeUsableByTls(created), [], isSelfSigned: true), false);
    }

    internal static X509Certificate2 Create(string hostname, DateTimeOffset now)
    {
        // RSA rather than ECDSA: older mail clients (and some MTAs doing opportunistic STARTTLS)
        // still lack ECDSA cipher suites, and this certificate must work with all of them.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={hostname}"), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        if (string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        return request.CreateSelfSigned(now.AddHours(-1), now.Add(Lifetime));
    }

    private static X509Certificate2? TryLoad(string path, string hostname, DateTimeOffset now)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var text = File.ReadAllText(path);
            using var loaded = X509Certificate2.CreateFromPem(text, text);
            if (!loaded.MatchesHostname(hostname, allowWildcards: false, allowCommonName: true) || loaded.NotAfter.ToUniversalTime() < now.UtcDateTime.Add(RenewBefore))
            {
                return null;
            }

            return CertificateRoundTrip.MakeUsableByTls(loaded);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Save(X509Certificate2 certificate, string folder, string path)
    {
        Directory.CreateDirectory(folder);
        using var key = certificate.GetRSAPrivateKey()!;
        var pem = key.ExportPkcs8PrivateKeyPem() + "\n" + certificate.ExportCertificatePem() + "\n";

        // Written beside and renamed into place, so a replica starting at the same moment reads
        // either the old file or the whole new one, never half of it.
        var temporary = Path.Combine(folder, $".{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(pem);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
