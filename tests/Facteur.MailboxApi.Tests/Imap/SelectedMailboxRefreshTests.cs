using Facteur.MailboxApi.Tests.Infrastructure;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>The per-command refresh skips its walk when nothing changed, but never loses an expunge it had to defer.</summary>
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
}
