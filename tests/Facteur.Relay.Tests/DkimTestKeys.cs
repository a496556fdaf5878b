using System.Security.Cryptography;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Facteur.Relay.Tests;

/// <summary>Test DKIM keys: the PEM the relay reads and the DNS TXT record verifiers look up.</summary>
internal static class DkimTestKeys
{
    /// <summary>Writes an RSA key as <c>&lt;domain&gt;.&lt;selector&gt;.key</c> (PKCS#8 PEM) and returns its TXT record.</summary>
    public static string WriteRsa(string folder, string domain, string selector)
    {
        using var rsa = RSA.Create(2048);
        File.WriteAllText(Path.Combine(folder, $"{domain}.{selector}.key"), rsa.ExportPkcs8PrivateKeyPem());
        return "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>Writes an Ed25519 key (PKCS#8 PEM) and returns its TXT record (RFC 8463 §4: the raw 32-octet key).</summary>
    public static string WriteEd25519(string folder, string domain, string selector)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        using (var writer = new StreamWriter(Path.Combine(folder, $"{domain}.{selector}.key")))
        {
            var pem = new PemWriter(writer);
            pem.WriteObject(new Org.BouncyCastle.Utilities.IO.Pem.PemObject("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded()));
        }

        return "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded());
    }
}

/// <summary>MimeKit's DKIM public-key lookup answered from the test's DNS table.</summary>
internal sealed class TableKeyLocator(DnsResponder dns) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        GetPublicKey(dns.TxtOf($"{selector}._domainkey.{domain}") ?? throw new InvalidOperationException($"no key for {selector}._domainkey.{domain}"));

    public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
}
