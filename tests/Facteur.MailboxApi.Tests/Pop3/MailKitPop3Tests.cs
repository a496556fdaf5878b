using System.Globalization;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Folders;
using MailKit;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>MailKit's Pop3Client against the real server over a socket.</summary>
public sealed class MailKitPop3Tests
{
    private static Pop3Client NewClient() => new() { ServerCertificateValidationCallback = (_, _, _, _) => true };

    [Fact]
    public async Task Capabilities_list_top_uidl_user_sasl_pipelining_and_resp_codes_without_apop()
    {
        await using var server = await Pop3TestServer.StartAsync(new() { ["Pop3:Expire"] = "31", ["Pop3:LoginDelaySeconds"] = "60" });
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        var caps = client.Capabilities;
        Assert.True(caps.HasFlag(Pop3Capabilities.Top));
        Assert.True(caps.HasFlag(Pop3Capabilities.UIDL));
        Assert.True(caps.HasFlag(Pop3Capabilities.User));
        Assert.True(caps.HasFlag(Pop3Capabilities.Sasl));
        Assert.True(caps.HasFlag(Pop3Capabilities.Pipelining));
        Assert.True(caps.HasFlag(Pop3Capabilities.ResponseCodes));
        Assert.True(caps.HasFlag(Pop3Capabilities.StartTLS));
        Assert.True(caps.HasFlag(Pop3Capabilities.Expire));
        Assert.True(caps.HasFlag(Pop3Capabilities.LoginDelay));
        Assert.False(caps.HasFlag(Pop3Capabilities.Apop));
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        Assert.Contains("LOGIN", client.AuthenticationMechanisms);
        Assert.Equal("Facteur", client.Implementation);
        Assert.Equal(31, client.ExpirePolicy);
        Assert.Equal(60, client.LoginDelay);
    }

    [Fact]
    public async Task Login_lists_sizes_uids_and_retrieves_every_message()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        var bodies = Enumerable.Range(1, 3).Select(i => MaildirSeed.Message($"Hello {i}", $"Body {i}\r\n")).ToList();
        foreach (var body in bodies)
        {
            MaildirSeed.Deliver(maildir, body);
        }

        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
        Assert.Equal(3, client.Count);
        var sizes = await client.GetMessageSizesAsync();
        Assert.Equal(bodies.Select(b => b.Length), sizes);
        var uids = await client.GetMessageUidsAsync();
        var uidValidity = new MaildirFolder(maildir).ReadUidList()!.UidValidity;
        Assert.Equal(Enumerable.Range(1, 3).Select(u => string.Create(CultureInfo.InvariantCulture, $"{u:x8}{uidValidity:x8}")), uids);
        for (var i = 0; i < 3; i++)
        {
            var message = await client.GetMessageAsync(i);
            Assert.Equal($"Hello {i + 1}", message.Subject);
        }

        var headers = await client.GetMessageHeadersAsync(0);
        Assert.Equal("Hello 1", headers["Subject"]);
        await client.NoOpAsync();
        await client.DisconnectAsync(true);

        // RETR set \Seen: every file is now in cur/ with S.
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "new")));
        Assert.All(Directory.GetFiles(Path.Combine(maildir, "cur")), f => Assert.EndsWith(":2,S", f));
    }

    [Fact]
    public async Task Dele_then_quit_removes_the_message_and_uids_of_the_others_stay()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        for (var i = 1; i <= 3; i++)
        {
            MaildirSeed.Deliver(maildir, MaildirSeed.Message($"M{i}", "x\r\n"));
        }

        IList<string> before;
        using (var client = NewClient())
        {
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
            before = await client.GetMessageUidsAsync();
            await client.DeleteMessageAsync(1);
            await client.DisconnectAsync(true);
        }

        Assert.Equal(2, MaildirSeed.FileCount(maildir));
        using (var client = NewClient())
        {
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
            var after = await client.GetMessageUidsAsync();
            Assert.Equal([before[0], before[2]], after);
            await client.DisconnectAsync(true);
        }
    }

    [Fact]
    public async Task Dele_then_disconnect_without_quit_deletes_nothing()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("keep", "x\r\n"));
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("keep too", "x\r\n"));
        using (var client = NewClient())
        {
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
            await client.DeleteMessagesAsync([0, 1]);
            await client.DisconnectAsync(false);
        }

        Assert.Equal(2, MaildirSeed.FileCount(maildir));
        // The session lock was released too: a new session logs in.
        using var again = NewClient();
        await again.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await WaitUntilLoginSucceedsAsync(again);
        Assert.Equal(2, again.Count);
    }

    [Fact]
    public async Task Rset_unmarks_deleted_messages()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("a", "x\r\n"));
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("b", "x\r\n"));
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
        await client.DeleteMessageAsync(0);
        await client.ResetAsync();
        await client.DisconnectAsync(true);
        Assert.Equal(2, MaildirSeed.FileCount(maildir));
    }

    [Fact]
    public async Task Second_session_on_the_same_maildrop_gets_in_use()
    {
        await using var server = await Pop3TestServer.StartAsync();
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("a", "x\r\n"));
        using var first = NewClient();
        await first.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await first.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);

        using var second = NewClient();
        await second.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await Assert.ThrowsAsync<AuthenticationException>(() => second.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password));

        // The response code itself (RFC 2449 §8.1.1), seen on the wire.
        await using (var raw = await RawPop3Client.ConnectAsync(server.Port))
        {
            Assert.StartsWith("+OK", await raw.CommandAsync("USER " + Pop3TestServer.User));
            Assert.StartsWith("-ERR [IN-USE]", await raw.CommandAsync("PASS " + Pop3TestServer.Password));
        }

        await first.DisconnectAsync(true);
        using var third = NewClient();
        await third.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await third.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
        Assert.Equal(1, third.Count);
    }

    [Fact]
    public async Task Quit_releases_the_maildrop_lock_before_its_reply_so_an_immediate_reconnect_is_not_in_use()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("a", "x\r\n"));
        for (var round = 0; round < 5; round++)
        {
            await using var raw = await RawPop3Client.ConnectAsync(server.Port);
            Assert.StartsWith("+OK", await raw.CommandAsync("USER " + Pop3TestServer.User));
            Assert.StartsWith("+OK Logged in; 1 messages", await raw.CommandAsync("PASS " + Pop3TestServer.Password));
            Assert.True(File.Exists(Path.Combine(maildir, "dovecot-pop3-session.lock")), "a session holds the lock");
            Assert.StartsWith("+OK", await raw.CommandAsync(round % 2 == 0 ? "RETR 1" : "NOOP"));
            if (round % 2 == 0)
            {
                await raw.ReadMultiLineRawAsync();
            }

            // RFC 1939 §6: UPDATE, release the lock, then answer; the next session may follow at once.
            Assert.StartsWith("+OK", await raw.CommandAsync("QUIT"));
            Assert.False(File.Exists(Path.Combine(maildir, "dovecot-pop3-session.lock")), "the lock is gone once QUIT is answered");
        }
    }

    [Fact]
    public async Task Stls_then_login_works_when_plaintext_auth_is_disallowed()
    {
        await using var server = await Pop3TestServer.StartAsync(new() { ["Facteur:AllowPlaintextAuth"] = "false" });
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("secure", "x\r\n"));
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
        Assert.Equal("secure", (await client.GetMessageAsync(0)).Subject);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Implicit_tls_listener_serves_pop3s()
    {
        await using var server = await Pop3TestServer.StartAsync(new() { ["Facteur:AllowPlaintextAuth"] = "false" });
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("tls", "x\r\n"));
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.TlsPort, SecureSocketOptions.SslOnConnect);
        Assert.False(client.Capabilities.HasFlag(Pop3Capabilities.StartTLS));
        await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
        Assert.Equal(1, client.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Sasl_plain_and_login_authenticate()
    {
        await using var server = await Pop3TestServer.StartAsync();
        foreach (var mechanism in new[] { "PLAIN", "LOGIN" })
        {
            using var client = NewClient();
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            var credentials = new System.Net.NetworkCredential(Pop3TestServer.User, Pop3TestServer.Password);
            SaslMechanism sasl = mechanism == "PLAIN" ? new SaslMechanismPlain(credentials) : new SaslMechanismLogin(credentials);
            await client.AuthenticateAsync(sasl);
            Assert.True(client.IsAuthenticated);
            await client.DisconnectAsync(true);
        }
    }

    private static async Task WaitUntilLoginSucceedsAsync(Pop3Client client)
    {
        // The previous connection's teardown runs on the server after the client closed; give it a moment.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.AuthenticateAsync(Pop3TestServer.User, Pop3TestServer.Password);
                return;
            }
            catch (AuthenticationException) when (attempt < 20)
            {
                await Task.Delay(100);
            }
        }
    }
}
