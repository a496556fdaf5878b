using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Facteur.Accounts.Addresses;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Facteur.Cli.Commands;

/// <summary>
/// <c>facteur dkim keygen &lt;domain&gt; [--selector s] [--algorithm rsa|ed25519] [--bits n]</c>: writes
/// the private key where the relay reads it (<c>Relay:DkimKeysFolder/&lt;domain&gt;.&lt;selector&gt;.key</c>,
/// PKCS#8 PEM, mode 0600) and prints the DNS TXT record to publish (RFC 6376 §3.6.1; RFC 8463
/// for ed25519, whose record carries the raw 32-octet key).
/// </summary>
internal static class DkimCommands
{
    public static Command Build(GlobalOptions global, CliConsole console)
    {
        var dkim = new Command("dkim", "DKIM signing keys for outgoing mail");
        dkim.Subcommands.Add(KeyGen(global, console));
        return dkim;
    }

    private static Command KeyGen(GlobalOptions global, CliConsole console)
    {
        var domainArgument = new Argument<string>("domain") { Description = "The signing domain (a local domain)" };
        var selectorOption = new Option<string?>("--selector") { Description = "The selector (default: s + year and month, e.g. s202611)" };
        var algorithmOption = new Option<string>("--algorithm") { Description = "rsa (rsa-sha256, the widely verified one) or ed25519 (RFC 8463)", DefaultValueFactory = _ => "rsa" };
        algorithmOption.AcceptOnlyFromAmong("rsa", "ed25519");
        var bitsOption = new Option<int>("--bits") { Description = "RSA key size", DefaultValueFactory = _ => 2048 };
        var folderOption = new Option<string?>("--folder") { Description = "Where keys live (default: Relay:DkimKeysFolder)" };
        var forceOption = new Option<bool>("--force") { Description = "Replace an existing key file" };
        var command = new Command("keygen", "Create a DKIM key for a domain and print its DNS TXT record")
        {
            domainArgument, selectorOption, algorithmOption, bitsOption, folderOption, forceOption,
        };
        command.SetAction(result =>
        {
            var settings = global.Settings(result, console);
            if (!DomainName.TryNormalize(result.GetValue(domainArgument)!, out var domain))
            {
                throw new CommandFailedException($"'{result.GetValue(domainArgument)}' is not a domain name");
            }

            var selector = result.GetValue(selectorOption) ?? "s" + DateTime.UtcNow.ToString("yyyyMM", CultureInfo.InvariantCulture);
            if (selector.Length is 0 or > 63 || !selector.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw new CommandFailedException($"selector '{selector}' must be letters, digits and '-' (one DNS label; no dot: the key file name is <domain>.<selector>.key)");
            }

            var folder = result.GetValue(folderOption) ?? settings.Configuration["Relay:DkimKeysFolder"];
            if (string.IsNullOrWhiteSpace(folder))
            {
                throw new CommandFailedException("no key folder: set Relay:DkimKeysFolder or pass --folder");
            }

            folder = Path.GetFullPath(folder, settings.WorkingDirectory);
            var path = Path.Combine(folder, $"{domain}.{selector}.key");
            if (File.Exists(path) && !result.GetValue(forceOption))
            {
                throw new CommandFailedException($"{path} exists: choose another selector (key rotation) or use --force");
            }

            var rsa = result.GetValue(algorithmOption) == "rsa";
            var bits = result.GetValue(bitsOption);
            if (rsa && bits is < 1024 or > 8192)
            {
                throw new CommandFailedException("--bits must be between 1024 and 8192 (RFC 8301: at least 1024, 2048 recommended)");
            }

            var (pem, record) = rsa ? Rsa(bits) : Ed25519();
            Directory.CreateDirectory(folder);
            var tmp = path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // a private key: owner only
            }

            using (var output = new FileStream(tmp, options))
            {
                output.Write(Encoding.ASCII.GetBytes(pem));
                output.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
            console.Out.WriteLine($"key written to {path}");
            console.Out.WriteLine("publish this DNS record:");
            console.Out.WriteLine($"{selector}._domainkey.{domain}. IN TXT ( {Quoted(record)} )");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static (string Pem, string Record) Rsa(int bits)
    {
        using var key = RSA.Create(bits);
        return (key.ExportPkcs8PrivateKeyPem() + "\n", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    private static (string Pem, string Record) Ed25519()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded();
        var pem = PemEncoding.WriteString("PRIVATE KEY", der) + "\n";
        return (pem, "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded()));
    }

    /// <summary>TXT character-strings hold 255 octets each (RFC 1035 §3.3.14): long keys are split.</summary>
    private static string Quoted(string record) =>
        string.Join(' ', record.Chunk(255).Select(c => "\"" + new string(c) + "\""));
}
