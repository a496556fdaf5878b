using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Facteur.Hosting.Configuration;

namespace Facteur.Hosting.Tls;

/// <summary>
/// Loads <c>Facteur:Tls:CertificatePath</c> (leaf first, then intermediates, as certbot's
/// fullchain.pem) and <c>Facteur:Tls:KeyPath</c> (RSA or EC, PKCS#1, SEC1 or PKCS#8, unencrypted).
/// Every failure is one line naming the key at fault.
/// </summary>
internal static class PemCertificateLoader
{
    private const string CertificateKey = "Facteur:Tls:CertificatePath";
    private const string KeyKey = "Facteur:Tls:KeyPath";

    public static ServerCertificate Load(string certificatePath, string? keyPath)
    {
        var certificateText = ReadPem(CertificateKey, certificatePath);
        var keyFromCertificateFile = string.IsNullOrWhiteSpace(keyPath);
        var keyText = keyFromCertificateFile ? certificateText : ReadPem(KeyKey, keyPath!);
        var keyName = keyFromCertificateFile ? CertificateKey : KeyKey;
        var keyFile = keyFromCertificateFile ? certificatePath : keyPath!;

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(certificateText);
        }
        catch (CryptographicException ex)
        {
            throw new FacteurConfigurationException($"{CertificateKey}: '{certificatePath}' holds a malformed PEM certificate ({ex.Message.TrimEnd('.')})");
        }

        if (certificates.Count == 0)
        {
            throw new FacteurConfigurationException($"{CertificateKey}: no PEM certificate in '{certificatePath}'");
        }

        if (keyText.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new FacteurConfigurationException($"{keyName}: the private key in '{keyFile}' is encrypted; give an unencrypted key (readable by this service only)");
        }

        if (!keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new FacteurConfigurationException($"{keyName}: no PEM private key (RSA or EC) in '{keyFile}'");
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        catch (CryptographicException)
        {
            throw new FacteurConfigurationException(
                $"{keyName}: the private key in '{keyFile}' does not match the certificate in '{certificatePath}' ({CertificateKey}), or is not an RSA or EC key");
        }
        catch (ArgumentException ex)
        {
            throw new FacteurConfigurationException($"{keyName}: cannot read the private key in '{keyFile}' ({ex.Message.TrimEnd('.')})");
        }

        using (leaf)
        {
            var usable = CertificateRoundTrip.MakeUsableByTls(leaf);
            var chain = new X509Certificate2Collection();
            foreach (var certificate in certificates.Skip(1))
            {
                chain.Add(certificate);
            }

            certificates[0].Dispose();
            return new ServerCertificate(usable, chain, isSelfSigned: false);
        }
    }

    private static string ReadPem(string key, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new FacteurConfigurationException($"{key}: file not found: '{path}'");
        }
        catch (DirectoryNotFoundException)
        {
            throw new FacteurConfigurationException($"{key}: file not found: '{path}'");
        }
        catch (UnauthorizedAccessException)
        {
            throw new FacteurConfigurationException($"{key}: permission denied reading '{path}'");
        }
        catch (IOException ex)
        {
            throw new FacteurConfigurationException($"{key}: cannot read '{path}' ({ex.Message.TrimEnd('.')})");
        }
    }
}
