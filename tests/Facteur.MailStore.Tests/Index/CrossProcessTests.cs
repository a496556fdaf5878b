using System.Diagnostics;
using System.Globalization;
using System.Text;
using Facteur.MailStore.Index;
using Xunit;
using Xunit.Abstractions;

namespace Facteur.MailStore.Tests.Index;

public sealed class CrossProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_processes_appending_and_flagging_get_unique_increasing_uids_and_lose_no_flag()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("first"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        const int perProcess = 25;

        var workers = new[] { "p", "q" }.Select(tag => RunWorkerAsync(maildir.MailRoot, tag, perProcess)).ToList();
        // This process works on the folder at the same time.
        for (var i = 0; i < 5; i++)
        {
            await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.None, [$"r{i}"]));
            await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message($"r-{i}"))), new AppendRequest());
        }

        var uidsByWorker = await Task.WhenAll(workers);

        foreach (var uids in uidsByWorker)
        {
            Assert.Equal(perProcess, uids.Count);
            Assert.Equal(uids.Order(), uids); // each process saw its own UIDs increase
        }

        var state = await inbox.SyncAsync();
        var all = uidsByWorker.SelectMany(u => u).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(1 + (2 * perProcess) + 5, state.Count);
        Assert.Subset(state.Messages.Select(m => m.Uid).ToHashSet(), all.ToHashSet());
        var keywords = state.Messages[0].Keywords.ToHashSet();
        var expected = new[] { "p", "q", "r" }.SelectMany(t => Enumerable.Range(0, 5).Select(i => $"{t}{i}"));
        Assert.Subset(keywords, expected.ToHashSet());
        Assert.Equal(state.Count, (await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX")).State.Count);
    }

    private async Task<List<uint>> RunWorkerAsync(string mailRoot, string tag, int count)
    {
        var assembly = typeof(Program).Assembly.Location;
        var host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo(host, ["exec", assembly, "index-worker", mailRoot, IndexTestMaildir.User, count.ToString(CultureInfo.InvariantCulture), tag])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout;
        Assert.True(process.ExitCode == 0, $"worker {tag} exited {process.ExitCode}: {await stderr}");
        var uids = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("uid ", StringComparison.Ordinal))
            .Select(l => uint.Parse(l[4..], CultureInfo.InvariantCulture))
            .ToList();
        output.WriteLine($"worker {tag}: {string.Join(' ', uids)}");
        return uids;
    }
}
