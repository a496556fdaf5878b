using System.Text;
using Facteur.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Facteur.IntegrationTests;

public sealed class BadInputFixture : IAsyncLifetime
{
    internal TestSite Site { get; } = new TestSite().WithUser("alice@esp.sn");

    internal StandaloneHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = new StandaloneHost(Site);
        await Host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Site.Dispose();
    }
}

/// <summary>
/// DESIGN.md promise 4: bad input gets a clear protocol error, never a crash, a hang or a leak.
/// After each abuse the same process must still take a normal message.
/// </summary>
public sealed class BadInputTests(BadInputFixture fixture, ITestOutputHelper output) : IClassFixture<BadInputFixture>
{
    private readonly TestSite _site = fixture.Site;

    [Fact]
    public async Task A_1_MB_command_line_gets_500_and_the_server_stays_healthy()
    {
        await using (var smtp = await Greeted())
        {
            await smtp.SendAsync("MAIL FROM:<" + new string('a', 1024 * 1024) + "@remote.example>\r\n");
            var reply = await smtp.ReadReplyAsync();
            Assert.Matches("^(500|421)", reply);
        }

        await AssertStillServes();
    }

    [Fact]
    public async Task NUL_bytes_in_a_command_are_refused()
    {
        await using (var smtp = await Greeted())
        {
            var reply = await smtp.CommandAsync("MAIL FROM:<a\0b@remote.example>");
            Assert.Matches("^5", reply);
        }

        await AssertStillServes();
    }

    [Fact]
    public async Task Too_many_unknown_commands_end_the_session_with_421()
    {
        await using (var smtp = await Greeted())
        {
            string? reply = null;
            var count = 0;
            for (; count < 100; count++)
            {
                reply = await smtp.CommandAsync("XYZZY " + count);
                if (reply is null || reply.StartsWith("421", StringComparison.Ordinal))
                {
                    break;
                }

                Assert.StartsWith("500 5.5.1", reply);
            }

            Assert.NotNull(reply);
            Assert.StartsWith("421", reply);
            Assert.True(count < 100, "the server kept answering 100 unknown commands");
            Assert.Null(await smtp.ReadReplyAsync(TimeSpan.FromSeconds(10)));
        }

        await AssertStillServes();
    }

    [Fact]
    public async Task DATA_without_RCPT_is_refused_with_503()
    {
        await using var smtp = await Greeted();
        Assert.StartsWith("503", await smtp.CommandAsync("DATA"));
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@remote.example>"));
        Assert.StartsWith("503", await smtp.CommandAsync("DATA"));
    }

    [Fact]
    public async Task Commands_after_QUIT_are_not_answered()
    {
        await using var smtp = await Greeted();
        await smtp.SendAsync("QUIT\r\nNOOP\r\nMAIL FROM:<a@remote.example>\r\n");
        Assert.StartsWith("221", await smtp.ReadReplyAsync());
        Assert.Null(await smtp.ReadReplyAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Pipelined_garbage_gets_one_error_per_line_and_a_good_transaction_still_works()
    {
        await using (var smtp = await Greeted())
        {
            await smtp.SendAsync("\x01\x02\x03\r\nMAIL\r\nRCPT TO:\r\n{}{}{}\r\nNOOP\r\n");
            for (var i = 0; i < 4; i++)
            {
                Assert.Matches("^5", await smtp.ReadReplyAsync());
            }

            Assert.StartsWith("250", await smtp.ReadReplyAsync());
        }

        await AssertStillServes();
    }

    [Fact]
    public async Task A_50_MB_message_is_refused_with_552_while_streaming_and_memory_stays_bounded()
    {
        await using (var smtp = await Greeted())
        {
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@remote.example>"));
            Assert.StartsWith("250", await smtp.CommandAsync("RCPT TO:<alice@esp.sn>"));
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
            await smtp.SendAsync("Subject: huge-1\r\n\r\n");
            var line = Encoding.ASCII.GetBytes(new string('z', 998) + "\r\n");
            var block = new byte[line.Length * 1000];
            for (var i = 0; i < 1000; i++)
            {
                line.CopyTo(block, i * line.Length);
            }

            for (long sent = 0; sent < 50L * 1024 * 1024; sent += block.Length)
            {
                await smtp.SendAsync(block);
            }

            await smtp.SendAsync(".\r\n");
            Assert.StartsWith("552 5.3.4", await smtp.ReadReplyAsync(TimeSpan.FromSeconds(120)));
        }

        var peak = fixture.Host.Process.PeakRssKiB();
        output.WriteLine($"standalone peak RSS after a 50 MB message: {peak / 1024} MiB");
        Assert.True(peak < 400 * 1024, $"peak RSS {peak / 1024} MiB: the message was buffered");
        Assert.DoesNotContain(_site.Maildir("alice@esp.sn").Files(), f => MessageTokens.SubjectOf(f) == "huge-1");
        await AssertStillServes();
    }

    [Fact]
    public async Task A_20_MB_message_is_accepted_and_delivered_whole_without_being_buffered()
    {
        var inbox = _site.Maildir("alice@esp.sn");
        var body = new StringBuilder("From: a@remote.example\r\nTo: alice@esp.sn\r\nSubject: big-1\r\n\r\n");
        var line = new string('q', 76) + "\r\n";
        while (body.Length < 20 * 1024 * 1024)
        {
            body.Append(line);
        }

        var payload = Encoding.ASCII.GetBytes(body.ToString());
        await using (var smtp = await Greeted())
        {
            Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<a@remote.example> SIZE=" + payload.Length));
            Assert.StartsWith("250", await smtp.CommandAsync("RCPT TO:<alice@esp.sn>"));
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
            await smtp.SendAsync(payload);
            await smtp.SendAsync(".\r\n");
            Assert.StartsWith("250", await smtp.ReadReplyAsync(TimeSpan.FromSeconds(120)));
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? file = null;
        while (file is null && DateTime.UtcNow < deadline)
        {
            file = inbox.Files().FirstOrDefault(f => MessageTokens.SubjectOf(f) == "big-1");
            await Task.Delay(100);
        }

        Assert.NotNull(file);
        Assert.True(File.ReadAllBytes(file).AsSpan().EndsWith(payload), "the 20 MB message changed on the way");
        var peak = fixture.Host.Process.PeakRssKiB();
        output.WriteLine($"standalone peak RSS after a 20 MB message: {peak / 1024} MiB");
    }

    private async Task<RawSmtp> Greeted()
    {
        var smtp = await RawSmtp.ConnectAsync(_site.SmtpPort);
        Assert.StartsWith("220", await smtp.ReadReplyAsync());
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example"));
        return smtp;
    }

    private async Task AssertStillServes()
    {
        Assert.False(fixture.Host.Process.HasExited, fixture.Host.Process.Log);
        var response = await SmtpClients.SendAsync(_site.SmtpPort, SmtpClients.Message("ok@remote.example", "alice@esp.sn", "still-ok", "fine"));
        Assert.Contains("queued as", response, StringComparison.OrdinalIgnoreCase);
    }
}
