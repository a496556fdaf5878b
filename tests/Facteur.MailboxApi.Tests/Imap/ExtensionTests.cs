using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>QUOTA, ESEARCH, CONDSTORE, ENABLE, LIST-EXTENDED / LIST-STATUS over real sockets.</summary>
public sealed class ExtensionTests
{
    private static async Task<RawImapClient> LoginAsync(ImapTestServer server)
    {
        var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
        return client;
    }

    [Fact]
    public async Task Quota_is_reported_and_append_over_quota_gets_overquota()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Mailbox:QuotaBytes"] = "4096" });
        server.Deliver(MaildirSeed.Message("small", new string('a', 1000) + "\r\n"));
        await using var client = await LoginAsync(server);
        var root = await client.CommandAsync("a", "GETQUOTAROOT INBOX");
        Assert.Contains("* QUOTAROOT \"INBOX\" \"\"", root);
        Assert.Contains(root, l => l.StartsWith("* QUOTA \"\" (STORAGE 2 4)", StringComparison.Ordinal));
        var big = new string('b', 8000);
        await client.SendAsync($"b APPEND INBOX {{{big.Length + 2}+}}\r\n{big}\r\n\r\n");
        Assert.StartsWith("b NO [OVERQUOTA]", (await client.ReadUntilTaggedAsync("b"))[^1]);
        Assert.StartsWith("c NO", (await client.CommandAsync("c", "SETQUOTA \"\" (STORAGE 1)"))[^1]);

        using var mailkit = new ImapClient();
        await mailkit.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await mailkit.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        var quota = await mailkit.Inbox.GetQuotaAsync();
        Assert.Equal(4u, quota.StorageLimit);
    }

    [Fact]
    public async Task Esearch_returns_min_max_count_all()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            server.Deliver(MaildirSeed.Message(i % 2 == 0 ? "even" : "odd", "x\r\n"));
        }

        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.Contains("* ESEARCH (TAG \"a\") MIN 1 MAX 5 COUNT 3 ALL 1,3,5", await client.CommandAsync("a", "SEARCH RETURN (MIN MAX COUNT ALL) SUBJECT odd"));
        Assert.Contains("* ESEARCH (TAG \"b\") UID ALL 2,4", await client.CommandAsync("b", "UID SEARCH RETURN () SUBJECT even"));
        Assert.Contains("* ESEARCH (TAG \"c\") COUNT 0", await client.CommandAsync("c", "SEARCH RETURN (COUNT) SUBJECT none"));
    }

    [Fact]
    public async Task Condstore_modseq_changedsince_and_unchangedsince()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        server.Deliver(MaildirSeed.Message("two", "y\r\n"));
        await using var client = await LoginAsync(server);
        Assert.Contains("* ENABLED CONDSTORE", await client.CommandAsync("e", "ENABLE CONDSTORE"));
        var select = await client.CommandAsync("s", "SELECT INBOX");
        var highest = ulong.Parse(select.Single(l => l.StartsWith("* OK [HIGHESTMODSEQ ", StringComparison.Ordinal)).Split(' ')[3].TrimEnd(']'));
        var store = await client.CommandAsync("a", @"STORE 2 +FLAGS (\Flagged)");
        var line = Assert.Single(store, l => l.StartsWith("* 2 FETCH", StringComparison.Ordinal));
        Assert.Contains("MODSEQ (", line);
        var changed = await client.CommandAsync("b", $"FETCH 1:* (FLAGS) (CHANGEDSINCE {highest})");
        Assert.Single(changed, l => l.StartsWith("* ", StringComparison.Ordinal));
        Assert.Contains(changed, l => l.StartsWith("* 2 FETCH", StringComparison.Ordinal) && l.Contains(@"\Flagged", StringComparison.Ordinal));
        var conditional = await client.CommandAsync("c", $@"STORE 2 (UNCHANGEDSINCE {highest}) +FLAGS (\Seen)");
        Assert.StartsWith("c OK [MODIFIED 2]", conditional[^1]);
        Assert.Contains("* SEARCH 2", string.Join("\n", await client.CommandAsync("d", $"SEARCH MODSEQ {highest + 1}")));
        Assert.Contains(await client.CommandAsync("f", "STATUS INBOX (HIGHESTMODSEQ MESSAGES)"), l => l.StartsWith("* STATUS \"INBOX\" (HIGHESTMODSEQ ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_extended_special_use_subscribed_and_status()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        await using var client = await LoginAsync(server);
        var special = await client.CommandAsync("a", "LIST (SPECIAL-USE) \"\" \"*\"");
        Assert.Equal(5, special.Count(l => l.StartsWith("* LIST", StringComparison.Ordinal)));
        Assert.Contains(special, l => l.Contains(@"\Trash", StringComparison.Ordinal) && l.EndsWith("\"Trash\"", StringComparison.Ordinal));
        var status = await client.CommandAsync("b", "LIST \"\" \"INBOX\" RETURN (STATUS (MESSAGES UNSEEN))");
        Assert.Contains("* STATUS \"INBOX\" (MESSAGES 1 UNSEEN 1)", status);
        var subscribed = await client.CommandAsync("c", "LIST (SUBSCRIBED) \"\" \"*\"");
        Assert.Contains(subscribed, l => l.Contains(@"\Subscribed", StringComparison.Ordinal) && l.EndsWith("\"Sent\"", StringComparison.Ordinal));
        var multiple = await client.CommandAsync("d", "LIST \"\" (\"INBOX\" \"Sent\")");
        Assert.Equal(2, multiple.Count(l => l.StartsWith("* LIST", StringComparison.Ordinal)));
        Assert.StartsWith("e BAD", (await client.CommandAsync("e", "LIST (BOGUS) \"\" \"*\""))[^1]);
    }

    [Fact]
    public async Task MailKit_uses_condstore_and_esearch()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        server.Deliver(MaildirSeed.Message("two", "y\r\n"));
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.CondStore));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.ESearch));
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var before = client.Inbox.HighestModSeq;
        await client.Inbox.AddFlagsAsync(0, MessageFlags.Flagged, true);
        var changed = await client.Inbox.FetchAsync(0, -1, before, MessageSummaryItems.Flags | MessageSummaryItems.ModSeq);
        Assert.Single(changed);
        Assert.True(changed[0].ModSeq > before);
        var results = await client.Inbox.SearchAsync(SearchOptions.Count | SearchOptions.Max, SearchQuery.All);
        Assert.Equal(2, results.Count);
        Assert.NotNull(results.Max);
    }
}
