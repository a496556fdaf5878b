using System.Diagnostics;
using System.Text;
using Facteur.MailStore.Index;
using Xunit;
using Xunit.Abstractions;

namespace Facteur.MailStore.Tests.Index;

/// <summary>Timings on a 10,000-message folder, printed (not asserted: the machine is shared); the behaviour is asserted.</summary>
public sealed class LargeFolderTimingTests(ITestOutputHelper output)
{
    private const int Messages = 10_000;

    [Fact]
    public async Task Ten_thousand_messages_sync_cold_and_warm_and_both_replicas_agree()
    {
        using var maildir = new IndexTestMaildir();
        var newDirectory = Path.Combine(maildir.UserPath, "new");
        for (var i = 0; i < Messages; i++)
        {
            var body = Encoding.ASCII.GetBytes(IndexTestMaildir.Message($"message {i}", $"Body {i}\r\n"));
            File.WriteAllBytes(Path.Combine(newDirectory, $"{1_700_000_000 + i}.M{i}P1Q1.bench,S={body.Length},W={body.Length}"), body);
        }

        var clock = Stopwatch.StartNew();
        var cold = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var coldTime = clock.Elapsed;

        // Once the directories have settled (2 s), a sync records their stamp: later opens skip listing them.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        await cold.SyncAsync();

        clock.Restart();
        var warm = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var warmTime = clock.Elapsed;

        clock.Restart();
        await cold.SyncAsync();
        var resyncTime = clock.Elapsed;

        clock.Restart();
        var all = cold.State.Messages.Select(m => m.Uid).ToList();
        var stored = await cold.UpdateFlagsAsync(new FlagChange(all, FlagChangeMode.Add, MessageFlags.Seen, []));
        var storeTime = clock.Elapsed;

        clock.Restart();
        var seenByOther = await warm.SyncAsync();
        var otherSyncTime = clock.Elapsed;

        clock.Restart();
        for (var i = 0; i < 1000; i++)
        {
            await cold.GetSummaryAsync(cold.State.Messages[i]);
        }

        var summaryTime = clock.Elapsed;

        var report = $"{Messages} messages: cold open {coldTime.TotalMilliseconds:F0} ms, warm open (other replica, index current and settled) {warmTime.TotalMilliseconds:F0} ms, " +
            $"re-sync unchanged {resyncTime.TotalMilliseconds:F0} ms, STORE +FLAGS \\Seen on all {storeTime.TotalMilliseconds:F0} ms, " +
            $"other replica sync after that {otherSyncTime.TotalMilliseconds:F0} ms, 1000 summaries parsed {summaryTime.TotalMilliseconds:F0} ms";
        output.WriteLine(report);
        Console.WriteLine(report);

        Assert.Equal(Messages, cold.State.Count);
        Assert.Equal(Messages, warm.State.Count);
        Assert.Equal(Messages + 1u, warm.State.UidNext);
        Assert.Equal(cold.State.UidValidity, warm.State.UidValidity);
        Assert.Equal(Messages, stored.Changed.Count);
        Assert.All(seenByOther.Messages, m => Assert.Equal(MessageFlags.Seen, m.Flags));
        Assert.Equal(cold.State.HighestModSeq, seenByOther.HighestModSeq);
    }
}
