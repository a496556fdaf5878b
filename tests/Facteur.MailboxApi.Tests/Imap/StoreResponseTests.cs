using Facteur.MailboxApi.Tests.Infrastructure;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>The untagged FETCH lines a STORE answers with (RFC 3501 §6.4.6, RFC 7162 §3.1.3), over a real socket.</summary>
public sealed class StoreResponseTests
{
    [Fact]
    public async Task Uid_store_on_several_messages_answers_one_fetch_each_with_uid_flags_keywords_and_modseq()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 1; i <= 3; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        await using var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
        await client.CommandAsync("s", "SELECT INBOX");
        await client.CommandAsync("p", @"STORE 2 +FLAGS (\Seen)");

        var plain = await client.CommandAsync("a", @"UID STORE 1:3 +FLAGS (\Flagged $Work)");
        Assert.StartsWith("a OK", plain[^1]);
        Assert.Equal(
            [@"* 1 FETCH (UID 1 FLAGS (\Flagged $Work))", @"* 2 FETCH (UID 2 FLAGS (\Flagged \Seen $Work))", @"* 3 FETCH (UID 3 FLAGS (\Flagged $Work))"],
            plain.Where(l => l.Contains(" FETCH ", StringComparison.Ordinal)));

        await client.CommandAsync("e", "ENABLE CONDSTORE");
        var removed = await client.CommandAsync("b", @"STORE 2 -FLAGS (\Flagged \Seen $Work)");
        var line = Assert.Single(removed, l => l.StartsWith("* 2 FETCH", StringComparison.Ordinal));
        Assert.Matches(@"^\* 2 FETCH \(FLAGS \(\) MODSEQ \(\d+\)\)$", line);

        var silent = await client.CommandAsync("c", @"STORE 1:3 +FLAGS.SILENT (\Answered)");
        Assert.DoesNotContain(silent, l => l.Contains(" FETCH ", StringComparison.Ordinal));
    }
}
