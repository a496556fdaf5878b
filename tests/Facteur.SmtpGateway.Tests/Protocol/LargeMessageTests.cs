using System.Diagnostics;
using System.Text;
using Facteur.SmtpGateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Facteur.SmtpGateway.Tests.Protocol;

[CollectionDefinition(nameof(LargeMessageTests), DisableParallelization = true)]
public sealed class LargeMessageCollection;

/// <summary>
/// A 50 MB message streams through: the gateway never holds it whole (DESIGN.md "Message bodies
/// stream"). Runs alone so the heap samples are not mixed with other tests' allocations.
/// </summary>
[Collection(nameof(LargeMessageTests))]
public sealed class LargeMessageTests(ITestOutputHelper output)
{
    private const int FiftyMegabytes = 50 * 1024 * 1024;

    private static async Task<(string Reply, long PeakHeap)> SendFiftyMegabytesAsync(SmtpTestServer server)
    {
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        await client.SendAsync("MAIL FROM:<big@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"u8.ToArray());
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        Assert.StartsWith("354", await client.ReadReplyAsync());

        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                // Live objects only (a full collection first): garbage is not buffering.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                await Task.Delay(25);
            }
        });

        // One 1 MB block of 100-octet lines, sent 50 times: the client holds 1 MB, never 50.
        var line = Encoding.ASCII.GetBytes(new string('m', 98) + "\r\n");
        var block = new byte[1024 * 1024 / 100 * 100];
        for (var i = 0; i < block.Length; i += 100)
        {
            line.CopyTo(block, i);
        }

        for (long sent = 0; sent < FiftyMegabytes; sent += block.Length)
        {
            await client.SendAsync(block);
        }

        await client.SendAsync(".\r\n"u8.ToArray());
        var reply = await client.ReadReplyAsync();
        await sampling.CancelAsync();
        await sampler;
        return (reply!, peak);
    }

    [Fact]
    public async Task A_fifty_megabyte_message_over_the_limit_gets_552_without_buffering_it()
    {
        await using var server = await SmtpTestServer.StartAsync(new Dictionary<string, string?> { ["Facteur:MaxMessageSize"] = "26214400" });
        server.Intake.CountOnly = true; // the test double must not be what holds the octets
        var (reply, peak) = await SendFiftyMegabytesAsync(server);
        output.WriteLine($"peak live managed heap {peak / 1024 / 1024} MB; {PeakRss()}");
        Assert.StartsWith("552 5.3.4", reply);
        Assert.Empty(server.Intake.Committed);
        Assert.True(peak < 24L * 1024 * 1024, $"managed heap peaked at {peak} bytes");
        await Health.AssertServerStillAcceptsMailAsync(server);
    }

    [Fact]
    public async Task A_fifty_megabyte_message_under_the_limit_streams_into_the_intake()
    {
        await using var server = await SmtpTestServer.StartAsync(new Dictionary<string, string?> { ["Facteur:MaxMessageSize"] = "67108864" });
        server.Intake.CountOnly = true;
        var (reply, peak) = await SendFiftyMegabytesAsync(server);
        output.WriteLine($"peak live managed heap {peak / 1024 / 1024} MB; {PeakRss()}");
        Assert.StartsWith("250 2.0.0", reply);
        var (_, content) = server.Intake.Committed.Single();
        Assert.Empty(content);
        Assert.True(server.Intake.LastCountedLength > FiftyMegabytes, $"{server.Intake.LastCountedLength}");
        Assert.True(peak < 24L * 1024 * 1024, $"managed heap peaked at {peak} bytes");
    }

    private static string PeakRss()
    {
        var status = File.Exists("/proc/self/status") ? File.ReadAllLines("/proc/self/status") : [];
        return status.FirstOrDefault(l => l.StartsWith("VmHWM", StringComparison.Ordinal))?.Replace('\t', ' ') ?? "VmHWM n/a";
    }
}
