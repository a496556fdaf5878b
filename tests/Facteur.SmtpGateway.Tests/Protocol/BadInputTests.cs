using System.Text;
using Facteur.SmtpGateway.Tests.Infrastructure;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>DESIGN.md promise 4: bad input gets a clear protocol error, never a crash, hang or leak.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private SmtpTestServer server = null!;

    public async Task InitializeAsync() => server = await SmtpTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await Health.AssertServerStillAcceptsMailAsync(server);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_one_megabyte_command_line_is_refused_with_500_and_the_session_goes_on()
    {
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        await client.SendAsync(Encoding.ASCII.GetBytes("NOOP " + new string('a', 1024 * 1024) + "\r\n"));
        Assert.StartsWith("500 5.5.0", await client.ReadReplyAsync());
        await client.SendLineAsync("NOOP");
        Assert.Equal("250 2.0.0 Ok", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task A_one_megabyte_line_in_data_is_refused_after_the_end_and_nothing_is_committed()
    {
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        await client.SendAsync("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"u8.ToArray());
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        Assert.StartsWith("354", await client.ReadReplyAsync());
        // 1 MB exceeds the 64 KB test size too; use a size that passes SIZE to see the line limit itself.
        await using var server2 = await SmtpTestServer.StartAsync(new Dictionary<string, string?> { ["Facteur:MaxMessageSize"] = "4194304" });
        await using var client2 = await RawSmtpClient.ConnectAndGreetAsync(server2.MxPort);
        await client2.SendAsync("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"u8.ToArray());
        await client2.ReadReplyAsync();
        await client2.ReadReplyAsync();
        Assert.StartsWith("354", await client2.ReadReplyAsync());
        await client2.SendAsync(Encoding.ASCII.GetBytes("Subject: long\r\n\r\n" + new string('x', 1024 * 1024) + "\r\n.\r\n"));
        Assert.StartsWith("500 5.5.0", await client2.ReadReplyAsync());
        Assert.Empty(server2.Intake.Committed);
        await Health.AssertServerStillAcceptsMailAsync(server2);

        await client.SendAsync(Encoding.ASCII.GetBytes(new string('x', 1024 * 1024) + "\r\n.\r\n"));
        Assert.StartsWith("552 5.3.4", await client.ReadReplyAsync());
        Assert.Empty(server.Intake.Committed);
    }

    [Fact]
    public async Task Nul_bytes_in_a_command_are_refused_with_500_5_5_2()
    {
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        await client.SendAsync("MAIL FROM:<a\0b@remote.example>\r\n"u8.ToArray());
        Assert.StartsWith("500 5.5.2", await client.ReadReplyAsync());
        await client.SendAsync("\0\0\0\0\r\n"u8.ToArray());
        Assert.StartsWith("500", await client.ReadReplyAsync());
        await client.SendLineAsync("NOOP");
        Assert.Equal("250 2.0.0 Ok", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task A_hundred_unknown_commands_end_with_421_after_the_bad_command_limit()
    {
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        var replies = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            await client.SendLineAsync($"BOGUS{i}");
            var reply = await client.ReadReplyAsync();
            if (reply is null)
            {
                break;
            }

            replies.Add(reply);
            if (reply.StartsWith("421", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.Equal(19, replies.Count(r => r.StartsWith("500 5.5.1", StringComparison.Ordinal)));
        Assert.StartsWith("421 4.7.0", replies[^1]);
        Assert.Null(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Pipelined_garbage_gets_errors_then_421_and_close()
    {
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        var garbage = new List<byte>();
        var random = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            var line = new byte[random.Next(1, 300)];
            random.NextBytes(line);
            garbage.AddRange(line.Where(b => b != (byte)'\n'));
            garbage.AddRange("\r\n"u8.ToArray());
        }

        await client.SendAsync([.. garbage]);
        var replies = await client.ReadUntilClosedAsync();
        Assert.All(replies[..^1], r => Assert.Matches("^5[0-9][0-9] ", r));
        Assert.StartsWith("421 4.7.0", replies[^1]);
    }

    [Fact]
    public async Task An_http_request_to_the_smtp_port_is_refused_and_closed_cleanly()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort);
        await client.ReadReplyAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        Assert.StartsWith("500", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_data_leaves_nothing_committed()
    {
        var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        await client.SendAsync("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"u8.ToArray());
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        await client.SendAsync("Subject: half\r\n\r\nhalf a mess"u8.ToArray());
        await client.DisposeAsync();
        for (var i = 0; i < 100 && server.Intake.Discarded == 0; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, server.Intake.Discarded);
        Assert.Empty(server.Intake.Committed);
    }
}
