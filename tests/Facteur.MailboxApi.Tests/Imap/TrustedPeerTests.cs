namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// ID's x-originating-ip (RFC 2971 field as Dovecot names it): a webmail in Imap:TrustedNetworks (or named by
/// Imap:TrustedHosts) names
/// each browser, so failed logins are counted per browser and not against the webmail's own address.
/// </summary>
public sealed class TrustedPeerTests
{
    private static readonly Dictionary<string, string?> Strict = new()
    {
        ["Imap:MaxFailedLoginsPerIp"] = "3",
        ["Imap:MaxFailedLoginsPerUser"] = "100",
    };

    private static async Task<string> LoginFromAsync(ImapTestServer server, string? originatingIp, string password)
    {
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        if (originatingIp is not null)
        {
            var id = await client.CommandAsync("i1", $"ID (\"name\" \"webmail\" \"x-originating-ip\" \"{originatingIp}\")");
            Assert.StartsWith("i1 OK", id[^1]);
        }

        var login = await client.CommandAsync("l1", $"LOGIN \"{ImapTestServer.User}\" \"{password}\"");
        return login[^1];
    }

    [Fact]
    public async Task A_trusted_peer_gets_failed_logins_counted_per_named_client()
    {
        await using var server = await ImapTestServer.StartAsync(new(Strict) { ["Imap:TrustedNetworks:0"] = "127.0.0.0/8" });
        for (var i = 0; i < 3; i++)
        {
            Assert.StartsWith("l1 NO [AUTHENTICATIONFAILED]", await LoginFromAsync(server, "203.0.113.9", "wrong"));
        }

        // The attacker's address is blocked, even with the right password …
        Assert.StartsWith("l1 NO [UNAVAILABLE]", await LoginFromAsync(server, "203.0.113.9", ImapTestServer.Password));

        // … while another browser behind the same webmail, and the webmail's own address, are not.
        Assert.StartsWith("l1 OK", await LoginFromAsync(server, "203.0.113.10", ImapTestServer.Password));
        Assert.StartsWith("l1 OK", await LoginFromAsync(server, null, ImapTestServer.Password));
    }

    [Fact]
    public async Task An_untrusted_peer_cannot_choose_the_address_its_failures_count_under()
    {
        await using var server = await ImapTestServer.StartAsync(new(Strict));
        for (var i = 0; i < 3; i++)
        {
            Assert.StartsWith("l1 NO [AUTHENTICATIONFAILED]", await LoginFromAsync(server, $"203.0.113.{20 + i}", "wrong"));
        }

        // Every attempt was counted against 127.0.0.1, whatever ID said.
        Assert.StartsWith("l1 NO [UNAVAILABLE]", await LoginFromAsync(server, "203.0.113.99", ImapTestServer.Password));
    }

    [Fact]
    public async Task A_network_that_is_not_cidr_stops_the_start_with_the_key_named()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => ImapTestServer.StartAsync(new() { ["Imap:TrustedNetworks:0"] = "webmail" }));
        Assert.Contains("Imap:TrustedNetworks", failure.ToString());
    }

    [Fact]
    public async Task A_peer_whose_address_a_trusted_host_name_resolves_to_is_trusted()
    {
        // The compose/Kubernetes form: the webmail is known by name (localhost → 127.0.0.1 here).
        await using var server = await ImapTestServer.StartAsync(new(Strict) { ["Imap:TrustedHosts:0"] = "localhost" });
        for (var i = 0; i < 3; i++)
        {
            Assert.StartsWith("l1 NO [AUTHENTICATIONFAILED]", await LoginFromAsync(server, "203.0.113.9", "wrong"));
        }

        Assert.StartsWith("l1 NO [UNAVAILABLE]", await LoginFromAsync(server, "203.0.113.9", ImapTestServer.Password));
        Assert.StartsWith("l1 OK", await LoginFromAsync(server, "203.0.113.10", ImapTestServer.Password));
    }

    [Fact]
    public async Task A_trusted_host_name_that_does_not_resolve_trusts_nobody()
    {
        // RFC 6761 §6.4: .invalid never resolves.
        await using var server = await ImapTestServer.StartAsync(new(Strict) { ["Imap:TrustedHosts:0"] = "webmail.invalid" });
        for (var i = 0; i < 3; i++)
        {
            Assert.StartsWith("l1 NO [AUTHENTICATIONFAILED]", await LoginFromAsync(server, $"203.0.113.{30 + i}", "wrong"));
        }

        Assert.StartsWith("l1 NO [UNAVAILABLE]", await LoginFromAsync(server, "203.0.113.99", ImapTestServer.Password));
    }

    [Fact]
    public async Task A_trusted_host_that_is_not_a_host_name_stops_the_start_with_the_key_named()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => ImapTestServer.StartAsync(new() { ["Imap:TrustedHosts:0"] = "web mail" }));
        Assert.Contains("Imap:TrustedHosts", failure.ToString());
    }
}
