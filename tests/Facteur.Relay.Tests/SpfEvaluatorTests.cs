using System.Net;
using Facteur.SmtpGateway.Inbound;
using Microsoft.Extensions.Options;

namespace Facteur.Relay.Tests;

/// <summary>RFC 7208 check_host() against records served by the test's DNS responder.</summary>
public sealed class SpfEvaluatorTests : IAsyncLifetime
{
    private readonly DnsResponder dns = new();
    private SpfEvaluator spf = null!;

    public Task InitializeAsync()
    {
        spf = new SpfEvaluator(new InboundDns(Options.Create(new InboundAuthenticationOptions { DnsServers = [dns.Endpoint] })));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await dns.DisposeAsync();

    private Task<SpfResult> Check(string ip, string domain, string sender = "", string helo = "client.test") =>
        spf.CheckHostAsync(IPAddress.Parse(ip), domain, sender.Length > 0 ? sender : "user@" + domain, helo, CancellationToken.None);

    [Theory]
    [InlineData("192.0.2.10", "Pass")]
    [InlineData("192.0.2.200", "Pass")]
    [InlineData("198.51.100.1", "Fail")]
    public async Task Ip4_network_passes_and_dash_all_fails_the_rest(string ip, string expected)
    {
        dns.Txt("corp.test", "v=spf1 ip4:192.0.2.0/24 -all");
        Assert.Equal(Enum.Parse<SpfResult>(expected), await Check(ip, "corp.test"));
    }

    [Fact]
    public async Task Ip6_mechanism_matches_its_prefix()
    {
        dns.Txt("six.test", "v=spf1 ip6:2001:db8::/32 ~all");
        Assert.Equal(SpfResult.Pass, await Check("2001:db8::25", "six.test"));
        Assert.Equal(SpfResult.SoftFail, await Check("2001:db9::25", "six.test"));
    }

    [Fact]
    public async Task A_and_mx_mechanisms_match_the_domains_addresses()
    {
        dns.Txt("amx.test", "v=spf1 a mx:mail.amx.test ?all").A("amx.test", "203.0.113.5")
            .Mx("mail.amx.test", 10, "mx1.amx.test").A("mx1.amx.test", "203.0.113.25");
        Assert.Equal(SpfResult.Pass, await Check("203.0.113.5", "amx.test"));
        Assert.Equal(SpfResult.Pass, await Check("203.0.113.25", "amx.test"));
        Assert.Equal(SpfResult.Neutral, await Check("203.0.113.99", "amx.test"));
    }

    [Fact]
    public async Task Include_passes_through_and_redirect_replaces_the_record()
    {
        dns.Txt("inc.test", "v=spf1 include:_spf.provider.test -all")
            .Txt("_spf.provider.test", "v=spf1 ip4:198.51.100.0/24 -all")
            .Txt("red.test", "v=spf1 redirect=_spf.provider.test");
        Assert.Equal(SpfResult.Pass, await Check("198.51.100.7", "inc.test"));
        Assert.Equal(SpfResult.Fail, await Check("192.0.2.7", "inc.test"));
        Assert.Equal(SpfResult.Pass, await Check("198.51.100.7", "red.test"));
        Assert.Equal(SpfResult.Fail, await Check("192.0.2.7", "red.test"));
    }

    [Fact]
    public async Task Exists_with_i_and_s_d_macros_builds_the_query_name()
    {
        dns.Txt("macro.test", "v=spf1 exists:%{ir}.%{l}._spf.%{d} -all")
            .A("1.2.0.192.alice._spf.macro.test", "127.0.0.2");
        Assert.Equal(SpfResult.Pass, await Check("192.0.2.1", "macro.test", "alice@macro.test"));
        Assert.Equal(SpfResult.Fail, await Check("192.0.2.1", "macro.test", "bob@macro.test"));
        Assert.Contains("1.2.0.192.alice._spf.macro.test 1", dns.Queries);
    }

    [Fact]
    public async Task H_macro_expands_to_the_helo_name()
    {
        dns.Txt("helo.test", "v=spf1 a:%{h} -all").A("relay.client.test", "192.0.2.77");
        Assert.Equal(SpfResult.Pass, await Check("192.0.2.77", "helo.test", helo: "relay.client.test"));
    }

    [Fact]
    public async Task More_than_ten_dns_lookups_is_a_permerror()
    {
        for (var i = 0; i < 11; i++)
        {
            dns.Txt($"l{i}.loop.test", $"v=spf1 include:l{i + 1}.loop.test -all");
        }

        dns.Txt("l11.loop.test", "v=spf1 +all");
        Assert.Equal(SpfResult.PermError, await Check("192.0.2.1", "l0.loop.test"));
    }

    [Fact]
    public async Task No_record_is_none_and_two_records_are_a_permerror()
    {
        dns.A("nospf.test", "192.0.2.1").Txt("two.test", "v=spf1 -all").Txt("two.test", "v=spf1 +all");
        Assert.Equal(SpfResult.None, await Check("192.0.2.1", "nospf.test"));
        Assert.Equal(SpfResult.PermError, await Check("192.0.2.1", "two.test"));
    }
}
