using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Facteur.Cli.Tests;

public sealed class ConfigCheckTests
{
    [Fact]
    public void A_valid_configuration_prints_the_container_default_ports_and_exits_0()
    {
        using var cli = new CliFixture();

        var result = cli.Run(null, "config", "check");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("configuration ok", result.OutputLines[0]);
        Assert.Contains(result.OutputLines, l => l.StartsWith("hostname", StringComparison.Ordinal) && l.EndsWith("mail.esp.sn", StringComparison.Ordinal));
        foreach (var (name, port) in new[] { ("smtp", 25), ("submission", 587), ("submissions", 465), ("imap", 143), ("imaps", 993), ("pop3", 110), ("pop3s", 995), ("management", 8081) })
        {
            Assert.Contains(result.OutputLines, l => l.TrimStart().StartsWith(name + " ", StringComparison.Ordinal) && l.Contains($"*:{port} ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Configured_ports_and_listen_address_are_shown()
    {
        using var cli = new CliFixture(
            new() { ["ListenAddress"] = "127.0.0.1" },
            new() { ["Smtp"] = new Dictionary<string, int> { ["Port"] = 2525, ["SubmissionPort"] = 2587, ["SubmissionsPort"] = 2465 }, ["Imap"] = new Dictionary<string, int> { ["Port"] = 2143 } });

        var result = cli.Run(null, "config", "check");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.OutputLines, l => l.Contains("127.0.0.1:2525", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.Contains("127.0.0.1:2465", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.Contains("127.0.0.1:2143", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.Contains("127.0.0.1:993", StringComparison.Ordinal));
    }

    [Fact]
    public void Appsettings_json_in_the_current_folder_is_read_without_config()
    {
        using var cli = new CliFixture();
        File.Copy(cli.ConfigFile, Path.Combine(cli.Folder, "appsettings.json"));

        var result = cli.RunRaw(null, "config", "check");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.OutputLines, l => l.EndsWith("mail.esp.sn", StringComparison.Ordinal));
    }

    public static TheoryData<Dictionary<string, object>?, Dictionary<string, object>?, string> Misconfigurations => new()
    {
        { new() { ["Domains"] = new[] { "esp.sn", "not a domain" } }, null, "Facteur:Domains:1: 'not a domain' is not a valid domain name" },
        { new() { ["Hostname"] = "mail_server!" }, null, "Facteur:Hostname:" },
        { new() { ["Tls"] = new Dictionary<string, string> { ["KeyPath"] = "/etc/ssl/private/mail.key" } }, null, "Facteur:Tls:CertificatePath: is not set, but Facteur:Tls:KeyPath is" },
        { new() { ["Tls"] = new Dictionary<string, string> { ["CertificatePath"] = "/nonexistent/cert.pem" } }, null, "Facteur:Tls:CertificatePath: /nonexistent/cert.pem does not exist" },
        { new() { ["MaxMessageSize"] = "12" }, null, "Facteur:MaxMessageSize:" },
        { new() { ["Transport"] = "Carrier-Pigeon" }, null, "Facteur:Transport:" },
        { new() { ["Transport"] = "RabbitMq" }, null, "ConnectionStrings:RabbitMq: is required" },
        { new() { ["Transport"] = "RabbitMq" }, new() { ["ConnectionStrings"] = new Dictionary<string, string> { ["RabbitMq"] = "http://x" } }, "ConnectionStrings:RabbitMq: is not an amqp" },
        { new() { ["ListenAddress"] = "everywhere" }, null, "Facteur:ListenAddress:" },
        { null, new() { ["Smtp"] = new Dictionary<string, object> { ["Port"] = "smtp" } }, "Smtp:Port: 'smtp' is not a port number" },
        { null, new() { ["Pop3"] = new Dictionary<string, object> { ["TlsPort"] = 70000 } }, "Pop3:TlsPort:" },
        { null, new() { ["Imap"] = new Dictionary<string, object> { ["Port"] = 25 } }, "Imap:Port: port 25 is already used by Smtp:Port" },
        { new() { ["AllowPlaintextAuth"] = "maybe" }, null, "Facteur:AllowPlaintextAuth:" },
    };

    [Theory]
    [MemberData(nameof(Misconfigurations))]
    public void A_misconfiguration_exits_1_with_one_line_naming_the_key(Dictionary<string, object>? facteur, Dictionary<string, object>? extra, string expected)
    {
        using var cli = new CliFixture(facteur, extra);

        var result = cli.Run(null, "config", "check");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        var error = Assert.Single(result.ErrorLines, l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.StartsWith("error: " + expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_file_that_is_not_json_or_is_missing_exits_1_with_one_line()
    {
        using var cli = new CliFixture();
        var broken = Path.Combine(cli.Folder, "broken.json");
        File.WriteAllText(broken, "{ \"Facteur\": { \"Domains\": [ ");

        var invalid = cli.RunRaw(null, "config", "check", "--config", broken);
        var missing = cli.RunRaw(null, "config", "check", "--config", Path.Combine(cli.Folder, "nope.json"));

        Assert.Equal(1, invalid.ExitCode);
        Assert.StartsWith("error: configuration is not valid JSON", Assert.Single(invalid.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("error: --config: ", Assert.Single(missing.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void A_mail_root_that_cannot_be_written_is_an_error_naming_facteur_mailroot()
    {
        using var probe = new CliFixture();
        var blocker = Path.Combine(probe.Folder, "a-file");
        File.WriteAllText(blocker, "not a folder");
        using var cli = new CliFixture(new() { ["MailRoot"] = Path.Combine(blocker, "mail") });

        var result = cli.Run(null, "config", "check");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: Facteur:MailRoot: ", Assert.Single(result.ErrorLines, l => l.StartsWith("error:", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_line_in_the_domains_file_is_an_error_naming_facteur_domainsfile()
    {
        using var cli = new CliFixture();
        File.WriteAllLines(cli.Domains, ["example.org", "bad domain"]);

        var result = cli.Run(null, "config", "check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: Facteur:DomainsFile: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("line 2", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pem_certificate_and_its_key_are_loaded_and_summarised()
    {
        using var cli = new CliFixture();
        var (certificate, key) = WriteSelfSigned(cli.Folder, "CN=mail.esp.sn");
        using var configured = new CliFixture(new() { ["Tls"] = new Dictionary<string, string> { ["CertificatePath"] = certificate, ["KeyPath"] = key } });

        var result = configured.Run(null, "config", "check");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.OutputLines, l => l.StartsWith("tls", StringComparison.Ordinal) && l.Contains("CN=mail.esp.sn", StringComparison.Ordinal));
    }

    [Fact]
    public void A_certificate_without_a_key_is_an_error_naming_facteur_tls_keypath()
    {
        using var cli = new CliFixture();
        var (certificate, _) = WriteSelfSigned(cli.Folder, "CN=mail.esp.sn");
        using var configured = new CliFixture(new() { ["Tls"] = new Dictionary<string, string> { ["CertificatePath"] = certificate } });

        var result = configured.Run(null, "config", "check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: Facteur:Tls:KeyPath: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_variables_override_the_configuration_files()
    {
        using var cli = new CliFixture();

        var good = await CliFixture.CompleteAsync(
            CliFixture.Start(cli.Folder, null, new Dictionary<string, string> { ["Smtp__Port"] = "2626", ["Facteur__Hostname"] = "mx.esp.sn" }, "config", "check", "--config", cli.ConfigFile),
            TimeSpan.FromSeconds(60));
        var bad = await CliFixture.CompleteAsync(
            CliFixture.Start(cli.Folder, null, new Dictionary<string, string> { ["Facteur__Domains__0"] = "bad..domain" }, "config", "check", "--config", cli.ConfigFile),
            TimeSpan.FromSeconds(60));

        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains(good.OutputLines, l => l.Contains("*:2626", StringComparison.Ordinal));
        Assert.Contains(good.OutputLines, l => l.EndsWith("mx.esp.sn", StringComparison.Ordinal));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("error: Facteur:Domains:0: 'bad..domain' is not a valid domain name", bad.Error, StringComparison.Ordinal);
    }

    private static (string Certificate, string Key) WriteSelfSigned(string folder, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificatePath = Path.Combine(folder, "cert.pem");
        var keyPath = Path.Combine(folder, "key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
