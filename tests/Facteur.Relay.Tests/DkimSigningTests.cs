using System.Diagnostics;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace Facteur.Relay.Tests;

/// <summary>Outgoing mail from a local domain arrives DKIM-signed, and the signature verifies.</summary>
public sealed class DkimSigningTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly SmtpSink sink = new();
    private string root = null!;
    private RelayHost host = null!;

    public async Task InitializeAsync()
    {
        dns.Mx("gmail.test", 10, "mx.gmail.test").A("mx.gmail.test", "127.0.0.1");
        root = RelayHost.NewRoot();
        host = await RelayHost.StartAsync(dns, sink.Port, root: root);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await sink.DisposeAsync();
        await dns.DisposeAsync();
    }

    [Fact]
    public async Task Rsa_sha256_signature_of_a_local_domain_verifies_with_mimekit_and_python_dkim()
    {
        dns.Txt("s2026._domainkey.esp.sn", DkimTestKeys.WriteRsa(host.DkimFolder, "esp.sn", "s2026"));

        await host.SubmitAsync("Qdkim1", "awa@esp.sn", ["ami@gmail.test"], body: "Line one\r\n.leading dot\r\nAccentu\u00e9 \u00e0 Dakar\r\n");

        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("ami@gmail.test"));
        var message = MimeMessage.Load(new MemoryStream(transaction.Data));
        var signature = message.Headers[HeaderId.DkimSignature];
        Assert.NotNull(signature);
        Assert.Contains("a=rsa-sha256", signature, StringComparison.Ordinal);
        Assert.Contains("d=esp.sn", signature, StringComparison.Ordinal);
        Assert.Contains("s=s2026", signature, StringComparison.Ordinal);

        var verifier = new DkimVerifier(new TableKeyLocator(dns));
        Assert.True(await verifier.VerifyAsync(message, message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)]));

        Assert.Equal("True", await PythonDkimVerifyAsync(transaction.Data, dns.TxtOf("s2026._domainkey.esp.sn")!));
    }

    [Fact]
    public async Task Ed25519_sha256_signature_verifies_with_mimekit()
    {
        dns.Txt("ed1._domainkey.esp.sn", DkimTestKeys.WriteEd25519(host.DkimFolder, "esp.sn", "ed1"));

        await host.SubmitAsync("Qdkim2", "awa@esp.sn", ["ami@gmail.test"]);

        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("ami@gmail.test"));
        var message = MimeMessage.Load(new MemoryStream(transaction.Data));
        var signature = message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.Contains("a=ed25519-sha256", signature.Value, StringComparison.Ordinal);
        Assert.True(await new DkimVerifier(new TableKeyLocator(dns)).VerifyAsync(message, signature));
    }

    [Fact]
    public async Task Mail_from_a_domain_without_a_key_goes_unsigned()
    {
        dns.Txt("s1._domainkey.esp.sn", DkimTestKeys.WriteRsa(host.DkimFolder, "esp.sn", "s1"));

        await host.SubmitAsync(new Contracts.MailReceived
        {
            QueueId = "Qdkim3",
            ReversePath = "fwd@elsewhere.test",
            Recipients = ["ami@gmail.test"],
            ReceivedAt = DateTimeOffset.UtcNow,
            Size = 0,
            Content = RelayHost.Message("Qdkim3", "someone@elsewhere.test", ["ami@gmail.test"]),
            AuthenticatedUser = "awa@esp.sn",
        });

        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("ami@gmail.test"));
        Assert.DoesNotContain("DKIM-Signature", Encoding.ASCII.GetString(transaction.Data), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Debian's python3-dkim (dkimpy) as the outside verifier, its DNS lookup answered with our record.</summary>
    private static async Task<string> PythonDkimVerifyAsync(byte[] message, string txt)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") // Debian's, where python3-dkim lives
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import sys, dkim; txt = sys.argv[1].encode(); print(dkim.verify(sys.stdin.buffer.read(), dnsfunc=lambda name, timeout=5: txt))");
        start.ArgumentList.Add(txt);
        using var process = Process.Start(start)!;
        await process.StandardInput.BaseStream.WriteAsync(message);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, "python3-dkim (test.sh installs it) failed: " + error);
        return output.Trim();
    }
}
