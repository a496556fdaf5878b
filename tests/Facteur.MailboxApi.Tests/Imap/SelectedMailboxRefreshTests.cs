using Facteur.MailboxApi.Tests.Infrastructure;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// The per-command refresh skips its walk when nothing changed, or when only messages were added since the state it
/// walked last (the store extended that state's list), but never loses a flag change or an expunge that came before
/// such additions, nor an expunge it had to defer.
/// </summary>
public sealed class SelectedMailboxRefreshTests
{
    private static async Task<RawImapClient> SelectAsync(int port)
    {
        var client = await RawImapClient.ConnectAsync(port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        Assert.StartsWith("S OK", (await client.CommandAsync("S", "SELECT INBOX"))[^1]);
        return client;
    }

    [Fact]
    public async Task An_expunge_deferred_during_fetch_is_reported_at_the_next_noop_although_nothing_else_changed()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        await using var first = await SelectAsync(server.Port);
        await using var second = await SelectAsync(server.Port);
        Assert.StartsWith("D OK", (await first.CommandAsync("D", "STORE 1 +FLAGS.SILENT (\\Deleted)"))[^1]);
        Assert.StartsWith("E OK", (await first.CommandAsync("E", "EXPUNGE"))[^1]);

        // RFC 3501 §7.4.1: no EXPUNGE while answering a non-UID FETCH; the message is still 1 for this client.
        var fetch = await second.CommandAsync("F", "FETCH 1:* (FLAGS)");
        Assert.DoesNotContain(fetch, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        var noop = await second.CommandAsync("N", "NOOP");
        var again = await second.CommandAsync("M", "NOOP");

        Assert.Contains("* 1 EXPUNGE", noop);
        Assert.DoesNotContain(again, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        Assert.Equal(3, (await second.CommandAsync("C", "FETCH 1:* (UID)")).Count); // two messages + the tagged line
    }

    [Fact]
    public async Task Deliveries_alone_are_reported_as_exists_with_no_flag_updates()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        await using var client = await SelectAsync(server.Port);
        server.Deliver(MaildirSeed.Message("d1", "x\r\n"));
        var one = await client.CommandAsync("N", "NOOP");
        server.Deliver(MaildirSeed.Message("d2", "x\r\n"));
        server.Deliver(MaildirSeed.Message("d3", "x\r\n"));
        var two = await client.CommandAsync("M", "NOOP");

        Assert.Equal(["* 4 EXISTS", "* 0 RECENT"], one[..^1]);
        Assert.Equal(["* 6 EXISTS", "* 0 RECENT"], two[..^1]);
        var uids = await client.CommandAsync("U", "FETCH 1:* (UID)");
        Assert.Equal(7, uids.Count);
        Assert.Equal("* 6 FETCH (UID 6)", uids[^2]);
    }

    [Fact]
    public async Task A_flag_change_and_an_expunge_by_another_session_are_reported_though_deliveries_followed_them()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 0; i < 4; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        await using var watcher = await SelectAsync(server.Port);
        await using var other = await SelectAsync(server.Port);
        server.Deliver(MaildirSeed.Message("d1", "x\r\n"));
        Assert.Contains("* 5 EXISTS", await watcher.CommandAsync("A", "NOOP")); // the watcher's view now ends with a delivery

        Assert.StartsWith("B OK", (await other.CommandAsync("B", "STORE 2 +FLAGS.SILENT (\\Flagged)"))[^1]);
        server.Deliver(MaildirSeed.Message("d2", "x\r\n"));
        var flagged = await watcher.CommandAsync("C", "NOOP");
        Assert.Contains("* 2 FETCH (UID 2 FLAGS (\\Flagged))", flagged);
        Assert.Contains("* 6 EXISTS", flagged);

        Assert.StartsWith("D OK", (await other.CommandAsync("D", "STORE 3 +FLAGS.SILENT (\\Deleted)"))[^1]);
        Assert.StartsWith("E OK", (await other.CommandAsync("E", "EXPUNGE"))[^1]);
        server.Deliver(MaildirSeed.Message("d3", "x\r\n"));
        var expunged = await watcher.CommandAsync("F", "NOOP");
        Assert.Contains("* 3 EXPUNGE", expunged);
        Assert.Contains("* 6 EXISTS", expunged); // 6 - 1 + 1
        Assert.DoesNotContain(expunged, l => l.Contains("FETCH", StringComparison.Ordinal));
    }
}
