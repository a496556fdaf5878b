using System.Diagnostics;
using Facteur.MailboxApi.Tests.Imap;
using Facteur.MailboxApi.Tests.Infrastructure;

namespace Facteur.MailboxApi.Tests;

/// <summary>What clients see when the host stops (docker stop, a rolling update): a goodbye, then an orderly close.</summary>
public sealed class ShutdownTests
{
    // The listeners abort what is left after 5 s; the sessions must end well before that on their own.
    private static readonly TimeSpan WellInsideTheGrace = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Imap_clients_waiting_for_a_command_or_in_idle_get_bye_then_the_connection_closes()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver("Subject: one\r\n\r\nbody\r\n");
        await using var waiting = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("a OK", (await waiting.CommandAsync("a", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        await using var idling = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("a OK", (await idling.CommandAsync("a", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        Assert.StartsWith("s OK", (await idling.CommandAsync("s", "SELECT INBOX"))[^1]);
        await idling.SendAsync("i IDLE\r\n");
        Assert.StartsWith("+ ", await idling.ReadLineAsync());
        var notLoggedIn = await RawImapClient.ConnectAsync(server.Port);
        await using var _ = notLoggedIn;

        var stopping = Stopwatch.StartNew();
        await server.StopAsync();
        stopping.Stop();

        // RFC 3501 §7.1.5: BYE, then the server closes the connection (end of stream, not a reset).
        foreach (var client in new[] { waiting, idling, notLoggedIn })
        {
            Assert.Equal("* BYE Server shutting down.", await client.ReadLineAsync());
            Assert.Equal(string.Empty, await client.ReadLineAsync());
        }

        Assert.True(stopping.Elapsed < WellInsideTheGrace, $"stopping took {stopping.Elapsed}");
    }

    [Fact]
    public async Task A_pop3_session_cut_by_shutdown_deletes_nothing_and_is_closed_in_order()
    {
        await using var server = await Pop3TestServer.StartAsync();
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("kept", "x\r\n"));
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", await client.CommandAsync($"USER {Pop3TestServer.User}"));
        Assert.StartsWith("+OK", await client.CommandAsync($"PASS {Pop3TestServer.Password}"));
        Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));

        var stopping = Stopwatch.StartNew();
        await server.StopAsync();
        stopping.Stop();

        // RFC 1939 §6: without QUIT there is no UPDATE state; the DELE is forgotten.
        Assert.Equal(string.Empty, await client.ReadLineAsync());
        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir()));
        Assert.True(stopping.Elapsed < WellInsideTheGrace, $"stopping took {stopping.Elapsed}");
    }
}
