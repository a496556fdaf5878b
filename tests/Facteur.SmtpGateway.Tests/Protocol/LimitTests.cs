using System.Diagnostics;
using Facteur.SmtpGateway.Tests.Infrastructure;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>Each configurable limit, set low on its own test host.</summary>
public sealed class LimitTests
{
    private static async Task<SmtpTestServer> StartAsync(params (string Key, string Value)[] settings)
        => await SmtpTestServer.StartAsync(settings.ToDictionary(s => s.Key, s => (string?)s.Value));

    private static async Task<string> CommandAsync(RawSmtpClient client, string line)
    {
        await client.SendLineAsync(line);
        return RawSmtpClient.LastLine(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Recipients_over_max_recipients_get_452_4_5_3()
    {
        await using var server = await StartAsync(("Smtp:MaxRecipients", "2"));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        await CommandAsync(client, "MAIL FROM:<a@remote.example>");
        Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<alice@example.test>"));
        Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<bob@example.test>"));
        Assert.StartsWith("452 4.5.3", await CommandAsync(client, "RCPT TO:<info@example.test>"));
        Assert.StartsWith("354", await CommandAsync(client, "DATA"));
        Assert.StartsWith("250", await CommandAsync(client, "x\r\n."));
        Assert.Equal(2, server.Intake.Committed.Single().Envelope.Recipients.Count);
        await Health.AssertServerStillAcceptsMailAsync(server);
    }

    [Fact]
    public async Task Command_line_limit_is_configurable()
    {
        await using var server = await StartAsync(("Smtp:MaxCommandLineLength", "100"));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        Assert.Equal("250 2.0.0 Ok", await CommandAsync(client, "NOOP " + new string('a', 93)));
        Assert.StartsWith("500 5.5.0", await CommandAsync(client, "NOOP " + new string('a', 94)));
    }

    [Fact]
    public async Task Data_line_limit_is_configurable()
    {
        await using var server = await StartAsync(("Smtp:MaxDataLineLength", "1000"));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        foreach (var (length, expected) in new[] { (998, "250"), (999, "500 5.5.0") })
        {
            await CommandAsync(client, "MAIL FROM:<a@remote.example>");
            await CommandAsync(client, "RCPT TO:<alice@example.test>");
            await CommandAsync(client, "DATA");
            Assert.StartsWith(expected, await CommandAsync(client, new string('l', length) + "\r\n."));
        }

        Assert.Single(server.Intake.Committed);
    }

    [Fact]
    public async Task Bad_command_limit_is_configurable()
    {
        await using var server = await StartAsync(("Smtp:MaxBadCommands", "3"));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        Assert.StartsWith("500", await CommandAsync(client, "ONE"));
        Assert.StartsWith("503", await CommandAsync(client, "DATA"));
        Assert.StartsWith("421 4.7.0", await CommandAsync(client, "THREE"));
        Assert.Null(await client.ReadReplyAsync());
        await Health.AssertServerStillAcceptsMailAsync(server);
    }

    [Fact]
    public async Task An_idle_client_gets_421_4_4_2_after_the_command_timeout()
    {
        await using var server = await StartAsync(("Smtp:CommandTimeout", "00:00:00.500"));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        var watch = Stopwatch.StartNew();
        Assert.StartsWith("421 4.4.2", await client.ReadReplyAsync());
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
        Assert.Null(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task A_stalled_data_transfer_gets_421_4_4_2_after_the_data_timeout_and_nothing_is_committed()
    {
        await using var server = await StartAsync(("Smtp:DataTimeout", "00:00:00.500"));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        await CommandAsync(client, "MAIL FROM:<a@remote.example>");
        await CommandAsync(client, "RCPT TO:<alice@example.test>");
        await CommandAsync(client, "DATA");
        await client.SendAsync("Subject: slow\r\n"u8.ToArray());
        Assert.StartsWith("421 4.4.2", await client.ReadReplyAsync());
        Assert.Empty(server.Intake.Committed);
    }

    [Fact]
    public async Task A_busy_session_still_ends_at_the_session_timeout()
    {
        await using var server = await StartAsync(("Smtp:SessionTimeout", "00:00:01"));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        var watch = Stopwatch.StartNew();
        string? last = null;
        for (var i = 0; i < 100 && watch.Elapsed < TimeSpan.FromSeconds(10); i++)
        {
            await client.SendLineAsync("NOOP");
            last = await client.ReadReplyAsync();
            if (last is null || last.StartsWith("421", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.StartsWith("421 4.4.2", last);
    }

    [Fact]
    public async Task Connections_over_the_per_ip_limit_get_421_4_7_0_at_connect()
    {
        await using var server = await StartAsync(("Smtp:MaxConnectionsPerIp", "2"));
        await using var first = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        await using var second = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort);
        await using (var third = await RawSmtpClient.ConnectAsync(server.MxPort))
        {
            Assert.StartsWith("421 4.7.0", await third.ReadReplyAsync());
            Assert.Null(await third.ReadReplyAsync());
        }

        await first.SendLineAsync("QUIT");
        Assert.StartsWith("221", await first.ReadReplyAsync());
        Assert.Null(await first.ReadReplyAsync());
        await Health.AssertServerStillAcceptsMailAsync(server);
    }

    [Fact]
    public async Task Auth_response_lines_are_bounded_by_max_line_length()
    {
        await using var server = await StartAsync(("Facteur:AllowPlaintextAuth", "true"), ("Smtp:MaxLineLength", "100"));
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.SubmissionPort);
        Assert.Equal("334 ", await CommandAsync(client, "AUTH PLAIN"));
        Assert.StartsWith("500 5.5.6", await CommandAsync(client, new string('A', 200)));
        Assert.Equal("334 ", await CommandAsync(client, "AUTH PLAIN"));
        var plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0alice@example.test\0" + TestAccounts.Password));
        Assert.StartsWith("235", await CommandAsync(client, plain));
    }

    [Fact]
    public async Task Host_shutdown_tells_an_idle_client_421_4_3_2()
    {
        var server = await StartAsync();
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);
        var stopping = server.DisposeAsync();
        Assert.StartsWith("421 4.3.2", await client.ReadReplyAsync());
        await stopping;
    }
}
