using System.Net;
using Facteur.Delivery.Relay;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Relay.Tests;

/// <summary>
/// MTA-STS (RFC 8461) against a policy served over HTTPS on loopback by the test, with
/// certificates from a test CA the relay trusts through <c>Relay:TlsCaFile</c>: enforce mode
/// delivers only to matching MX hosts over verified TLS and defers otherwise (never in clear),
/// testing mode delivers and logs, the policy is cached for its max_age and fetched again when
/// the TXT record's id changes.
/// </summary>
public sealed class MtaStsTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private readonly TestCertificateAuthority authority = new();
    private readonly TestCertificateAuthority stranger = new("Unknown CA");
    private readonly SmtpSink sink = new();
    private SmtpSink rogue = null!;
    private MtaStsPolicyServer policies = null!;
    private readonly string root = RelayHost.NewRoot();

    public Task InitializeAsync()
    {
        policies = new MtaStsPolicyServer(authority.Issue("mta-sts.secure.test", "mta-sts.testing.test", "mta-sts.strict.test", "mta-sts.clear.test", "mta-sts.brief.test"));

        // A second sink on the same port of another loopback address: where MX hosts outside the
        // policy lead, so a connection there is visible.
        rogue = new SmtpSink(IPAddress.Parse("127.0.0.2"), sink.Port);

        foreach (var domain in new[] { "secure.test", "testing.test", "strict.test", "clear.test", "brief.test" })
        {
            dns.A("mta-sts." + domain, "127.0.0.1");
        }

        dns.Txt("_mta-sts.secure.test", "v=STSv1; id=20261129T01;")
            .Mx("secure.test", 5, "mx.outsider.test").A("mx.outsider.test", "127.0.0.2")
            .Mx("secure.test", 10, "mx1.secure.test").A("mx1.secure.test", "127.0.0.1")
            .Txt("_mta-sts.testing.test", "v=STSv1; id=1")
            .Mx("testing.test", 10, "mx.testing.test").A("mx.testing.test", "127.0.0.1")
            .Txt("_mta-sts.strict.test", "v=STSv1; id=1")
            .Mx("strict.test", 10, "mx.strict.test").A("mx.strict.test", "127.0.0.1")
            .Txt("_mta-sts.clear.test", "v=STSv1; id=1")
            .Mx("clear.test", 10, "mx.clear.test").A("mx.clear.test", "127.0.0.2")
            .Txt("_mta-sts.brief.test", "v=STSv1; id=1")
            .Mx("brief.test", 10, "mx.brief.test").A("mx.brief.test", "127.0.0.1");
        policies.Policy("secure.test", "enforce", 86400, "*.secure.test");
        policies.Policy("testing.test", "testing", 86400, "mx.elsewhere.test");
        policies.Policy("strict.test", "enforce", 86400, "mx.strict.test");
        policies.Policy("clear.test", "enforce", 86400, "mx.clear.test");
        policies.Policy("brief.test", "enforce", 1, "mx.brief.test");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await policies.DisposeAsync();
        await rogue.DisposeAsync();
        await sink.DisposeAsync();
        await dns.DisposeAsync();
        authority.Dispose();
        stranger.Dispose();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<RelayHost> StartAsync(LogCapture? logs = null) =>
        RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?>
        {
            ["Relay:MtaStsPolicyUrlTemplate"] = policies.UrlTemplate,
            ["Relay:TlsCaFile"] = authority.WritePem(Path.Combine(root, "ca")),
            ["Relay:RetrySchedule:0"] = "00:01:00",
            ["Relay:MaxConnectionsPerDestination"] = "4",
        }, logs: logs);

    [Fact]
    public async Task Enforce_policy_sends_only_to_matching_mx_over_verified_tls_and_caches_the_policy()
    {
        sink.Certificate = authority.Issue("mx1.secure.test");
        rogue.Certificate = authority.Issue("mx.outsider.test");
        await using var host = await StartAsync();

        await host.SubmitAsync("Senf1", "awa@esp.sn", ["ami@secure.test"]);
        await host.SubmitAsync("Senf2", "awa@esp.sn", ["autre@secure.test"]);

        var first = await sink.WaitForAsync(t => t.Recipients.Contains("ami@secure.test"));
        await sink.WaitForAsync(t => t.Recipients.Contains("autre@secure.test"));
        Assert.True(first.Tls);
        Assert.Equal(0, rogue.Connections); // the preferred MX is outside the policy: never contacted
        Assert.Single(policies.Requests, h => h == "mta-sts.secure.test"); // fetched once, then cached
        Assert.Equal(1, host.Services.GetRequiredService<MtaStsPolicies>().Fetches);
    }

    [Fact]
    public async Task Enforce_policy_with_an_untrusted_certificate_defers_and_sends_nothing()
    {
        sink.Certificate = stranger.Issue("mx.strict.test");
        await using var host = await StartAsync();

        await host.SubmitAsync("Sbad", "awa@esp.sn", ["ami@strict.test"]);

        await WaitForDeferredAsync(host);
        Assert.True(sink.Connections >= 1, "the MX was not even tried");
        Assert.DoesNotContain("ami@strict.test", sink.RcptAttempts);
        Assert.Empty(host.Inbox("awa@esp.sn")); // deferred, not bounced
    }

    [Fact]
    public async Task Enforce_policy_with_an_mx_without_starttls_defers_instead_of_sending_in_clear()
    {
        await using var host = await StartAsync();

        await host.SubmitAsync("Sclear", "awa@esp.sn", ["ami@clear.test"]);

        await WaitForDeferredAsync(host);
        Assert.True(rogue.Connections >= 1, "the MX was not even tried");
        Assert.Empty(rogue.RcptAttempts);
        Assert.Empty(host.Inbox("awa@esp.sn"));
    }

    [Fact]
    public async Task Testing_policy_delivers_despite_failures_and_logs_them()
    {
        sink.Certificate = stranger.Issue("mx.testing.test");
        var logs = new LogCapture();
        await using var host = await StartAsync(logs);

        await host.SubmitAsync("Stest", "awa@esp.sn", ["ami@testing.test"]);

        var transaction = await sink.WaitForAsync(t => t.Recipients.Contains("ami@testing.test"));
        Assert.True(transaction.Tls);
        Assert.Contains(logs.Lines, l => l.Contains("MTA-STS testing policy of testing.test: MX mx.testing.test does not match", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("MTA-STS testing policy: the certificate of mx.testing.test is not valid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_txt_id_makes_the_relay_fetch_the_policy_again()
    {
        sink.Certificate = stranger.Issue("mx.testing.test");
        await using var host = await StartAsync();
        await host.SubmitAsync("Srot1", "awa@esp.sn", ["one@testing.test"]);
        await sink.WaitForAsync(t => t.Recipients.Contains("one@testing.test"));
        await host.SubmitAsync("Srot2", "awa@esp.sn", ["two@testing.test"]);
        await sink.WaitForAsync(t => t.Recipients.Contains("two@testing.test"));
        Assert.Single(policies.Requests, h => h == "mta-sts.testing.test"); // same id: the cache answers

        // The domain moves to enforce, announced by a new id: the next message obeys it at once.
        policies.Policy("testing.test", "enforce", 86400, "mx.elsewhere.test");
        dns.ReplaceTxt("_mta-sts.testing.test", "v=STSv1; id=2");
        await host.SubmitAsync("Srot3", "awa@esp.sn", ["three@testing.test"]);

        await WaitForDeferredAsync(host);
        Assert.Equal(2, policies.Requests.Count(h => h == "mta-sts.testing.test"));
        Assert.DoesNotContain("three@testing.test", sink.RcptAttempts);
    }

    [Fact]
    public async Task A_policy_is_fetched_again_once_its_max_age_has_passed_even_with_the_same_id()
    {
        sink.Certificate = authority.Issue("mx.brief.test");
        await using var host = await StartAsync();

        await host.SubmitAsync("Sage1", "awa@esp.sn", ["one@brief.test"]);
        await sink.WaitForAsync(t => t.Recipients.Contains("one@brief.test"));
        Assert.Single(policies.Requests, h => h == "mta-sts.brief.test");

        await Task.Delay(TimeSpan.FromSeconds(1.5)); // max_age: 1 second
        await host.SubmitAsync("Sage2", "awa@esp.sn", ["two@brief.test"]);
        var second = await sink.WaitForAsync(t => t.Recipients.Contains("two@brief.test"));

        Assert.True(second.Tls);
        Assert.Equal(2, policies.Requests.Count(h => h == "mta-sts.brief.test"));
    }

    private static async Task WaitForDeferredAsync(RelayHost host)
    {
        var folder = Path.Combine(host.SpoolRoot, "relay");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Directory.Exists(folder) || Directory.GetFiles(folder, "*.next").Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the message was not deferred");
            await Task.Delay(25);
        }
    }
}
