using Facteur.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Facteur.IntegrationTests;

/// <summary>
/// DESIGN.md promise 1 in one process: the standalone host's in-memory bus is not durable, so its
/// spool is. SIGKILL it right after the last 250: after a restart every accepted message is
/// delivered, exactly once.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Standalone_host_killed_between_250_and_delivery_delivers_every_message_exactly_once_after_restart()
    {
        using var site = new TestSite().WithUser("alice@esp.sn").WithUser("bob@esp.sn");
        await using var host = new StandaloneHost(site);
        await host.StartAsync();

        const int count = 300;
        var sender = new LoadSender(site.SmtpPort, "crash", ["alice@esp.sn", "bob@esp.sn"]);
        await sender.SendAsync(count, clients: 10, TimeSpan.FromMinutes(3));
        host.Process.Kill();
        var deliveredBeforeCrash = site.Maildir("alice@esp.sn").Files().Count + site.Maildir("bob@esp.sn").Files().Count;
        output.WriteLine($"accepted {sender.Accepted.Count}, in Maildir when killed: {deliveredBeforeCrash}");
        Assert.Equal(count, sender.Accepted.Count);

        await host.CrashAndRestartAsync();
        var counts = await WaitForAll(site, "crash", count, TimeSpan.FromSeconds(60));

        Assert.Equal(count, counts.Count);
        Assert.All(counts, c => Assert.True(c.Value == 1, $"{c.Key} delivered {c.Value} times"));
        Assert.Empty(site.Maildir("alice@esp.sn").TmpFiles());
        Assert.Empty(site.Maildir("bob@esp.sn").TmpFiles());
    }

    internal static async Task<Dictionary<string, int>> WaitForAll(TestSite site, string run, int count, TimeSpan timeout, params string[] users)
    {
        users = users.Length == 0 ? ["alice@esp.sn", "bob@esp.sn"] : users;
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<string, int> counts;
        do
        {
            counts = MessageTokens.Count(users.SelectMany(u => site.Maildir(u).Files()), run);
            if (counts.Count >= count)
            {
                // Let anything still in flight land, so a late duplicate is seen too.
                await Task.Delay(1500);
                return MessageTokens.Count(users.SelectMany(u => site.Maildir(u).Files()), run);
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        return counts;
    }
}
