using System.Text;

namespace Facteur.Relay.Tests;

/// <summary>
/// Postfix transport(5)-style routing end to end: mapped domains go to the named relay (not their
/// MX), <c>[host]</c> skips the MX lookup, the port is honoured, AUTH with the configured
/// credentials happens inside STARTTLS (the provider sink refuses MAIL without it), <c>.domain</c>
/// matches subdomains only, and <c>*</c> sends everything else to a smarthost.
/// </summary>
public sealed class TransportMapTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly SmtpSink mxSink = new();       // where MX lookups lead (must stay empty for mapped mail)
    private readonly SmtpSink providerSink = new(); // the provider: STARTTLS + AUTH required
    private readonly SmtpSink smarthostSink = new(); // the "*" smarthost
    private readonly SmtpSink plainSink = new();    // a next hop without STARTTLS
    private readonly TestCertificateAuthority authority = new();
    private RelayHost host = null!;

    public async Task InitializeAsync()
    {
        providerSink.Certificate = authority.Issue("relay.provider.test");
        providerSink.RequiredLogin = ("facteur@esp.sn", "s3cret pass with spaces");
        smarthostSink.Certificate = authority.Issue("smart.provider.test");

        // Every domain has an MX pointing at the MX sink: mail reaching the provider or the
        // smarthost proves the map, not DNS, chose the route. relay.provider.test even has an MX
        // of its own, which [brackets] must ignore.
        foreach (var domain in new[] { "mapped.test", "corp.test", "eu.corp.test", "elsewhere.test", "relay.provider.test", "viamx.test", "tight.test" })
        {
            dns.Mx(domain, 10, "mx.catchall.test");
        }

        dns.A("mx.catchall.test", "127.0.0.1")
            .A("relay.provider.test", "127.0.0.1")
            .A("smart.provider.test", "127.0.0.1")
            .A("plain.provider.test", "127.0.0.1")
            .Mx("hub.provider.test", 10, "in.hub.provider.test").A("in.hub.provider.test", "127.0.0.1");

        var root = RelayHost.NewRoot();
        var map = Path.Combine(root, "transport");
        await File.WriteAllLinesAsync(map,
        [
            "# transport(5)",
            $"mapped.test      smtp:[relay.provider.test]:{providerSink.Port}",
            $".corp.test       smtp:[relay.provider.test]:{providerSink.Port}",
            $"viamx.test       smtp:hub.provider.test:{plainSink.Port}",
            $"tight.test       smtp:[plain.provider.test]:{plainSink.Port} encrypt",
            "lost.test        smtp:no-such-hub.test",
            $"*                smtp:[smart.provider.test]:{smarthostSink.Port}",
        ]);
        var credentials = Path.Combine(root, "sasl_passwd");
        await File.WriteAllTextAsync(credentials, $"[relay.provider.test]:{providerSink.Port} facteur@esp.sn s3cret pass with spaces\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        host = await RelayHost.StartAsync(dns, mxSink.Port, new Dictionary<string, string?>
        {
            ["Relay:TransportMapFile"] = map,
            ["Relay:CredentialsFile"] = credentials,
            ["Relay:MaxLifetime"] = "00:01:00",
            ["Relay:RetrySchedule:0"] = "00:00:30",
        }, root: root);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await mxSink.DisposeAsync();
        await providerSink.DisposeAsync();
        await smarthostSink.DisposeAsync();
        await plainSink.DisposeAsync();
        await dns.DisposeAsync();
        authority.Dispose();
    }

    [Fact]
    public async Task Mapped_domain_goes_to_the_bracketed_relay_on_its_port_with_auth_inside_starttls()
    {
        await host.SubmitAsync("Tmapped", "awa@esp.sn", ["ami@mapped.test"]);

        var transaction = await providerSink.WaitForAsync(t => t.Recipients.Contains("ami@mapped.test"));
        Assert.True(transaction.Tls);
        Assert.Equal("facteur@esp.sn", transaction.AuthenticatedAs);
        Assert.Equal("awa@esp.sn", transaction.MailFrom);
        Assert.Contains("Tmapped", Encoding.ASCII.GetString(transaction.Data), StringComparison.Ordinal);
        Assert.Equal(0, providerSink.FailedLogins);
        Assert.Empty(mxSink.Transactions);
        Assert.Empty(mxSink.RcptAttempts);

        // [relay.provider.test]: its address was looked up, never its MX; the mapped domain's MX neither.
        Assert.Contains("relay.provider.test 1", dns.Queries);
        Assert.DoesNotContain("relay.provider.test 15", dns.Queries);
        Assert.DoesNotContain("mapped.test 15", dns.Queries);
    }

    [Fact]
    public async Task Leading_dot_entry_matches_subdomains_but_not_the_parent_which_falls_to_the_wildcard()
    {
        await host.SubmitAsync("Tsub", "awa@esp.sn", ["a@eu.corp.test", "b@corp.test"]);

        var sub = await providerSink.WaitForAsync(t => t.Recipients.Contains("a@eu.corp.test"));
        Assert.Equal(["a@eu.corp.test"], sub.Recipients);
        Assert.Equal("facteur@esp.sn", sub.AuthenticatedAs);

        // corp.test itself has no entry (Postfix: ".corp.test" is subdomains only): the "*" smarthost.
        var parent = await smarthostSink.WaitForAsync(t => t.Recipients.Contains("b@corp.test"));
        Assert.Equal(["b@corp.test"], parent.Recipients);
        Assert.Empty(mxSink.RcptAttempts);
    }

    [Fact]
    public async Task Wildcard_sends_every_other_domain_to_the_smarthost_instead_of_its_mx()
    {
        await host.SubmitAsync("Tstar", "awa@esp.sn", ["x@elsewhere.test"]);

        var transaction = await smarthostSink.WaitForAsync(t => t.Recipients.Contains("x@elsewhere.test"));
        Assert.True(transaction.Tls); // opportunistic STARTTLS, offered by the smarthost
        Assert.Null(transaction.AuthenticatedAs); // no credentials configured for it
        Assert.Empty(mxSink.RcptAttempts);
        Assert.DoesNotContain("elsewhere.test 15", dns.Queries);
    }

    [Fact]
    public async Task Unbracketed_next_hop_is_looked_up_as_a_mail_domain_and_keeps_the_mapped_port()
    {
        await host.SubmitAsync("Tviamx", "awa@esp.sn", ["y@viamx.test"]);

        var transaction = await plainSink.WaitForAsync(t => t.Recipients.Contains("y@viamx.test"));
        Assert.False(transaction.Tls);
        Assert.Contains("hub.provider.test 15", dns.Queries);
        Assert.Contains("in.hub.provider.test 1", dns.Queries);
        Assert.Empty(mxSink.RcptAttempts);
    }

    [Fact]
    public async Task Encrypt_next_hop_without_starttls_is_deferred_and_nothing_is_sent_in_clear()
    {
        await host.SubmitAsync("Ttight", "awa@esp.sn", ["z@tight.test"]);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Directory.Exists(Path.Combine(host.SpoolRoot, "relay")) || Directory.GetFiles(Path.Combine(host.SpoolRoot, "relay"), "*.next").Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the message was not deferred");
            await Task.Delay(25);
        }

        Assert.True(plainSink.Connections >= 1, "the next hop was not even tried");
        Assert.Empty(plainSink.RcptAttempts);
        Assert.Empty(plainSink.Transactions);
        Assert.Empty(host.Inbox("awa@esp.sn")); // deferred, not bounced
    }

    [Fact]
    public async Task Next_hop_that_does_not_exist_defers_the_mail_instead_of_bouncing_it()
    {
        await host.SubmitAsync("Tlost", "awa@esp.sn", ["w@lost.test"]);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Directory.Exists(Path.Combine(host.SpoolRoot, "relay")) || Directory.GetFiles(Path.Combine(host.SpoolRoot, "relay"), "*.next").Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the message was not deferred");
            await Task.Delay(25);
        }

        Assert.Contains("no-such-hub.test 15", dns.Queries); // NXDOMAIN: a configuration error of ours
        Assert.Empty(host.Inbox("awa@esp.sn"));
        Assert.Empty(mxSink.RcptAttempts);
    }

    [Theory]
    [InlineData("Relay:TransportMapFile", "example.org relay.example.net", "Relay:TransportMapFile")]
    [InlineData("Relay:CredentialsFile", "[relay.example.net]:587 user-without-password", "Relay:CredentialsFile")]
    [InlineData("Relay:TlsCaFile", "not a certificate", "Relay:TlsCaFile")]
    public async Task A_bad_relay_file_stops_the_start_with_an_error_naming_its_key(string key, string content, string expected)
    {
        var root = RelayHost.NewRoot();
        var file = Path.Combine(root, "bad-file");
        await File.WriteAllTextAsync(file, content + "\n");

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            RelayHost.StartAsync(dns, mxSink.Port, new Dictionary<string, string?> { [key] = file }, root: Path.Combine(root, "host")));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Directory.Delete(root, recursive: true);
    }
}
