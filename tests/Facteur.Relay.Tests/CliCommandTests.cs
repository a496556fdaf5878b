using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Cryptography;

namespace Facteur.Relay.Tests;

/// <summary><c>facteur dkim keygen</c> and <c>facteur queue …</c> against a running relay.</summary>
public sealed partial class CliCommandTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly SmtpSink sink = new();

    public Task InitializeAsync()
    {
        dns.Mx("gmail.test", 10, "mx.gmail.test").A("mx.gmail.test", "127.0.0.1");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await sink.DisposeAsync();
        await dns.DisposeAsync();
    }

    [Theory]
    [InlineData("rsa", "rsa-sha256")]
    [InlineData("ed25519", "ed25519-sha256")]
    public async Task Dkim_keygen_writes_a_key_the_relay_signs_with_and_prints_the_txt_record_that_verifies_it(string algorithm, string expected)
    {
        await using var host = await RelayHost.StartAsync(dns, sink.Port);
        var config = new Dictionary<string, object> { ["Relay"] = new Dictionary<string, object> { ["DkimKeysFolder"] = host.DkimFolder } };

        var (exit, output, error) = Cli.Run(host.Root, config, "dkim", "keygen", "esp.sn", "--selector", "mail2026", "--algorithm", algorithm);

        Assert.True(exit == 0, error);
        var key = Path.Combine(host.DkimFolder, "esp.sn.mail2026.key");
        Assert.True(File.Exists(key));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
        var record = TxtRecord().Match(output);
        Assert.True(record.Success, output);
        Assert.Equal("mail2026._domainkey.esp.sn.", record.Groups["name"].Value);
        var txt = string.Concat(record.Groups["text"].Captures.Select(c => c.Value));
        Assert.StartsWith("v=DKIM1; k=" + algorithm + "; p=", txt, StringComparison.Ordinal);
        dns.Txt("mail2026._domainkey.esp.sn", txt);

        await host.SubmitAsync("Qkeygen" + algorithm, "awa@esp.sn", ["ami@gmail.test"]);
        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("ami@gmail.test"));
        var message = MimeMessage.Load(new MemoryStream(transaction.Data));
        var signature = message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.Contains("a=" + expected, signature.Value, StringComparison.Ordinal);
        Assert.True(await new DkimVerifier(new TableKeyLocator(dns)).VerifyAsync(message, signature));

        var again = Cli.Run(host.Root, config, "dkim", "keygen", "esp.sn", "--selector", "mail2026");
        Assert.Equal(1, again.Exit);
        Assert.Contains("exists", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_list_show_retry_and_delete_act_on_the_standalone_relay_spool()
    {
        await using var host = await RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?> { ["Relay:RetrySchedule:0"] = "01:00:00" });
        sink.Script("later@gmail.test", "450 4.2.0 Busy");
        sink.Script("never@gmail.test", "450 4.2.0 Busy");
        await host.SubmitAsync("Qcli1", "awa@esp.sn", ["later@gmail.test"]);
        await host.SubmitAsync("Qcli2", "moussa@esp.sn", ["never@gmail.test"]);
        var config = new Dictionary<string, object>
        {
            ["Facteur"] = new Dictionary<string, object> { ["Transport"] = "InMemory", ["SpoolRoot"] = host.SpoolRoot },
        };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string listing;
        while (!(listing = Cli.Run(host.Root, config, "queue", "list").Out).Contains("2 message(s) waiting", StringComparison.Ordinal)
            || listing.Contains("being tried", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, listing);
            await Task.Delay(50);
        }

        var first = listing.Split('\n').Single(l => l.Contains("Qcli1", StringComparison.Ordinal)).Split(' ')[0];
        var second = listing.Split('\n').Single(l => l.Contains("Qcli2", StringComparison.Ordinal)).Split(' ')[0];
        var shown = Cli.Run(host.Root, config, "queue", "show", first);
        Assert.Equal(0, shown.Exit);
        Assert.Contains("recipients:  later@gmail.test", shown.Out, StringComparison.Ordinal);
        Assert.Contains("attempts:    1", shown.Out, StringComparison.Ordinal);

        Assert.Equal(0, Cli.Run(host.Root, config, "queue", "retry", first).Exit);
        await sink.WaitForAsync(t => t.Recipients.Contains("later@gmail.test"));

        Assert.Equal(0, Cli.Run(host.Root, config, "queue", "delete", second).Exit);
        Assert.Contains("0 message(s) waiting", await WaitForListingAsync(host, config, "0 message(s) waiting"), StringComparison.Ordinal);
        Assert.Equal(1, Cli.Run(host.Root, config, "queue", "show", second).Exit);
        Assert.DoesNotContain(sink.Transactions, t => t.Recipients.Contains("never@gmail.test"));
    }

    private static async Task<string> WaitForListingAsync(RelayHost host, Dictionary<string, object> config, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string listing;
        while (!(listing = Cli.Run(host.Root, config, "queue", "list").Out).Contains(expected, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, listing);
            await Task.Delay(50);
        }

        return listing;
    }

    [GeneratedRegex("^(?<name>\\S+) IN TXT \\( (?:\"(?<text>[^\"]*)\" ?)+\\)", RegexOptions.Multiline)]
    private static partial Regex TxtRecord();
}
