using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;

namespace Facteur.Delivery.Relay;

/// <summary>
/// DKIM signing (RFC 6376) of outgoing mail from domains that have a key in
/// <c>Relay:DkimKeysFolder</c>, named <c>&lt;domain&gt;.&lt;selector&gt;.key</c> (PEM, as
/// <c>facteur dkim keygen</c> writes it). RSA keys sign rsa-sha256, Ed25519 keys ed25519-sha256
/// (RFC 8463). The signing domain is the From header's domain, so DMARC alignment holds.
/// Keys are read on first use and cached; a new key needs a restart (like Postfix + OpenDKIM's
/// KeyTable reload).
/// </summary>
internal sealed class DkimKeyStore(IOptions<RelayOptions> options)
{
    /// <summary>RFC 6376 §5.4.1's recommended set (From first: it must be signed).</summary>
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId,
        HeaderId.ReplyTo, HeaderId.InReplyTo, HeaderId.References, HeaderId.MimeVersion,
        HeaderId.ContentType, HeaderId.ContentTransferEncoding,
    ];

    private readonly ConcurrentDictionary<string, DkimSigner?> signers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Signs when a key exists for the From domain; returns whether it did.</summary>
    public bool TrySign(MimeMessage message)
    {
        var from = message.From.Mailboxes.FirstOrDefault();
        if (from is null || options.Value.DkimKeysFolder is not { Length: > 0 } folder)
        {
            return false;
        }

        var at = from.Address.LastIndexOf('@');
        if (at < 0)
        {
            return false;
        }

        var domain = from.Address[(at + 1)..].ToLowerInvariant();
        var signer = signers.GetOrAdd(domain, d => Load(folder, d));
        if (signer is null)
        {
            return false;
        }

        // Seven-bit first (MimeKit's advice): no hop can re-encode a part and break the body hash.
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, SignedHeaders.Where(h => message.Headers.Contains(h)).ToArray());
        return true;
    }

    private static DkimSigner? Load(string folder, string domain)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }

        // <domain>.<selector>.key: the selector is what is left between the domain and ".key".
        var file = Directory.EnumerateFiles(folder, domain + ".*.key").Order(StringComparer.Ordinal).FirstOrDefault();
        if (file is null)
        {
            return null;
        }

        var name = Path.GetFileName(file);
        var selector = name[(domain.Length + 1)..^".key".Length];
        if (selector.Length == 0 || selector.Contains('.', StringComparison.Ordinal))
        {
            return null;
        }

        var key = ReadPrivateKey(file);
        var algorithm = key is Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
        return new DkimSigner(key, domain, selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            AgentOrUserIdentifier = "@" + domain,
        };
    }

    internal static AsymmetricKeyParameter ReadPrivateKey(string file)
    {
        using var reader = new StreamReader(file);
        var pem = new PemReader(reader).ReadObject();
        return pem switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } key => key,
            _ => throw new InvalidDataException($"{file} holds no private key."),
        };
    }
}
