using System.Security.Cryptography.X509Certificates;
using Facteur.Hosting.Configuration;
using Facteur.Hosting.Tls;

namespace Facteur.Hosting.Tests;

public sealed class CertificateLoadingTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string Write(string name, string text)
    {
        var path = folder.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void An_rsa_certificate_and_pkcs1_key_load_with_the_private_key()
    {
        var (certificate, key) = TestCertificates.Rsa("mx.example.sn");

        var loaded = PemCertificateLoader.Load(Write("cert.pem", certificate), Write("key.pem", key));

        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.NotNull(loaded.Certificate.GetRSAPrivateKey());
        Assert.True(loaded.Certificate.MatchesHostname("mx.example.sn"));
        Assert.False(loaded.IsSelfSigned);
        Assert.Empty(loaded.Chain);
    }

    [Fact]
    public void An_ecdsa_certificate_and_pkcs8_key_load_with_the_private_key()
    {
        var (certificate, key) = TestCertificates.Ecdsa("mx.example.sn");

        var loaded = PemCertificateLoader.Load(Write("cert.pem", certificate), Write("key.pem", key));

        Assert.NotNull(loaded.Certificate.GetECDsaPrivateKey());
    }

    [Fact]
    public void A_full_chain_file_keeps_the_intermediate_for_the_handshake()
    {
        var (fullChain, key, intermediate) = TestCertificates.SignedByIntermediate("mx.example.sn");

        var loaded = PemCertificateLoader.Load(Write("fullchain.pem", fullChain), Write("key.pem", key));

        Assert.Equal("CN=mx.example.sn", loaded.Certificate.Subject);
        Assert.Equal(intermediate, Assert.Single(loaded.Chain).Thumbprint);
    }

    [Fact]
    public void A_key_in_the_certificate_file_is_used_when_no_key_path_is_given()
    {
        var (certificate, key) = TestCertificates.Rsa("mx.example.sn");

        var loaded = PemCertificateLoader.Load(Write("combined.pem", key + "\n" + certificate), keyPath: null);

        Assert.True(loaded.Certificate.HasPrivateKey);
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_refused_naming_the_key_path()
    {
        var (certificate, _) = TestCertificates.Rsa("mx.example.sn");
        var (_, otherKey) = TestCertificates.Rsa("other.example.sn");

        var ex = Assert.Throws<FacteurConfigurationException>(() => PemCertificateLoader.Load(Write("cert.pem", certificate), Write("key.pem", otherKey)));

        var line = Assert.Single(ex.Errors);
        Assert.StartsWith("Facteur:Tls:KeyPath: the private key in", line, StringComparison.Ordinal);
        Assert.Contains("does not match", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_without_a_key_is_refused_naming_the_key_path()
    {
        var (certificate, _) = TestCertificates.Rsa("mx.example.sn");
        var keyPath = Write("key.pem", certificate);

        var ex = Assert.Throws<FacteurConfigurationException>(() => PemCertificateLoader.Load(Write("cert.pem", certificate), keyPath));

        Assert.Equal([$"Facteur:Tls:KeyPath: no PEM private key (RSA or EC) in '{keyPath}'"], ex.Errors);
    }

    [Fact]
    public void A_missing_key_file_is_refused_naming_the_key_path()
    {
        var (certificate, _) = TestCertificates.Rsa("mx.example.sn");
        var keyPath = folder.Combine("absent.key");

        var ex = Assert.Throws<FacteurConfigurationException>(() => PemCertificateLoader.Load(Write("cert.pem", certificate), keyPath));

        Assert.Equal([$"Facteur:Tls:KeyPath: file not found: '{keyPath}'"], ex.Errors);
    }

    [Fact]
    public void A_certificate_file_without_a_certificate_is_refused_naming_the_certificate_path()
    {
        var (_, key) = TestCertificates.Rsa("mx.example.sn");
        var certificatePath = Write("cert.pem", "not a certificate\n");

        var ex = Assert.Throws<FacteurConfigurationException>(() => PemCertificateLoader.Load(certificatePath, Write("key.pem", key)));

        Assert.Equal([$"Facteur:Tls:CertificatePath: no PEM certificate in '{certificatePath}'"], ex.Errors);
    }

    [Fact]
    public void A_self_signed_certificate_is_generated_for_the_hostname_and_kept_private_in_the_spool()
    {
        var tls = folder.Combine("spool", "tls");

        var (certificate, reused) = SelfSignedCertificate.GetOrCreate("mx.example.sn", tls, DateTimeOffset.UtcNow);

        Assert.False(reused);
        Assert.True(certificate.IsSelfSigned);
        Assert.True(certificate.Certificate.HasPrivateKey);
        Assert.True(certificate.Certificate.MatchesHostname("mx.example.sn"));
        var file = Path.Combine(tls, SelfSignedCertificate.FileName);
        Assert.True(File.Exists(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public void A_restart_presents_the_same_self_signed_certificate()
    {
        var tls = folder.Combine("spool", "tls");
        var (first, _) = SelfSignedCertificate.GetOrCreate("mx.example.sn", tls, DateTimeOffset.UtcNow);

        var (second, reused) = SelfSignedCertificate.GetOrCreate("mx.example.sn", tls, DateTimeOffset.UtcNow);

        Assert.True(reused);
        Assert.Equal(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
        Assert.True(second.Certificate.HasPrivateKey);
    }

    [Fact]
    public void A_new_hostname_or_a_near_expiry_gets_a_new_self_signed_certificate()
    {
        var tls = folder.Combine("spool", "tls");
        var (first, _) = SelfSignedCertificate.GetOrCreate("mx.example.sn", tls, DateTimeOffset.UtcNow);

        var (renamed, reusedAfterRename) = SelfSignedCertificate.GetOrCreate("mail.example.sn", tls, DateTimeOffset.UtcNow);
        var (renewed, reusedNearExpiry) = SelfSignedCertificate.GetOrCreate("mail.example.sn", tls, DateTimeOffset.UtcNow.AddDays(350));

        Assert.False(reusedAfterRename);
        Assert.NotEqual(first.Certificate.Thumbprint, renamed.Certificate.Thumbprint);
        Assert.True(renamed.Certificate.MatchesHostname("mail.example.sn"));
        Assert.False(reusedNearExpiry);
        Assert.NotEqual(renamed.Certificate.Thumbprint, renewed.Certificate.Thumbprint);
    }
}
