using System.Globalization;
using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>Exact bytes on the wire, and the input real clients never send.</summary>
public sealed class WireTests
{
    private static async Task<RawPop3Client> LoginAsync(Pop3TestServer server)
    {
        var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", await client.CommandAsync("USER " + Pop3TestServer.User));
        Assert.StartsWith("+OK", await client.CommandAsync("PASS " + Pop3TestServer.Password));
        return client;
    }

    [Fact]
    public async Task Retr_sends_crlf_and_dot_stuffing_for_lf_only_file_and_list_size_matches_octets()
    {
        await using var server = await Pop3TestServer.StartAsync();
        // LF-only on disk, lines starting with dots, a lone dot line, no W= in the name.
        var onDisk = "Subject: dots\n\n.leading dot\n..two dots\n.\nplain\n";
        MaildirSeed.Deliver(server.Maildir(), onDisk, withSizes: false);
        await using var client = await LoginAsync(server);

        var list = await client.CommandAsync("LIST 1");
        var size = int.Parse(list.Split(' ')[2]);
        Assert.StartsWith("+OK", await client.CommandAsync("RETR 1"));
        var wire = await client.ReadMultiLineRawAsync();
        Assert.Equal("Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\n..\r\nplain\r\n", Encoding.ASCII.GetString(wire));

        var expected = Encoding.ASCII.GetBytes(onDisk.Replace("\n", "\r\n"));
        Assert.Equal(expected.Length, size);
        var stuffing = 3; // one extra '.' on each of the three lines that start with '.'
        Assert.Equal(size, wire.Length - stuffing);
    }

    [Fact]
    public async Task Top_sends_header_blank_line_and_n_body_lines()
    {
        await using var server = await Pop3TestServer.StartAsync();
        MaildirSeed.Deliver(server.Maildir(), "Subject: top\r\nX-A: 1\r\n\r\nline1\r\nline2\r\nline3\r\n");
        await using var client = await LoginAsync(server);
        Assert.StartsWith("+OK", await client.CommandAsync("TOP 1 2"));
        Assert.Equal("Subject: top\r\nX-A: 1\r\n\r\nline1\r\nline2\r\n", Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()));
        Assert.StartsWith("+OK", await client.CommandAsync("TOP 1 0"));
        Assert.Equal("Subject: top\r\nX-A: 1\r\n\r\n", Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()));
        // TOP does not mark the message seen.
        Assert.Single(Directory.GetFiles(Path.Combine(server.Maildir(), "new")));
    }

    [Fact]
    public async Task Retr_and_dele_of_deleted_or_missing_numbers_are_refused_and_session_goes_on()
    {
        await using var server = await Pop3TestServer.StartAsync();
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("one", "x\r\n"));
        await using var client = await LoginAsync(server);
        Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
        Assert.Equal("-ERR Message 1 is deleted.", await client.CommandAsync("RETR 1"));
        Assert.Equal("-ERR Message 1 is deleted.", await client.CommandAsync("DELE 1"));
        Assert.Equal("-ERR There is no message 2.", await client.CommandAsync("RETR 2"));
        Assert.Equal("-ERR There is no message 0.", await client.CommandAsync("DELE 0"));
        Assert.StartsWith("-ERR", await client.CommandAsync("LIST 1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("RETR -1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("TOP 1"));
        Assert.Equal("+OK 0 0", await client.CommandAsync("STAT"));
        Assert.StartsWith("+OK", await client.CommandAsync("RSET"));
        Assert.StartsWith("+OK 1 ", await client.CommandAsync("STAT"));
        Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir()));
    }

    [Fact]
    public async Task Stat_and_list_count_the_octets_of_messages_not_marked_deleted_and_rset_restores_them()
    {
        // Count and octets are kept by DELE and RSET rather than recounted per command.
        await using var server = await Pop3TestServer.StartAsync();
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("short", "x\r\n"));
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("a longer one", string.Concat(Enumerable.Repeat("some more text\r\n", 20))));
        await using var client = await LoginAsync(server);
        var first = long.Parse((await client.CommandAsync("LIST 1")).Split(' ')[2], CultureInfo.InvariantCulture);
        var second = long.Parse((await client.CommandAsync("LIST 2")).Split(' ')[2], CultureInfo.InvariantCulture);
        Assert.NotEqual(first, second);
        Assert.Equal($"+OK 2 {first + second}", await client.CommandAsync("STAT"));

        Assert.StartsWith("+OK", await client.CommandAsync("DELE 2"));
        Assert.Equal($"+OK 1 {first}", await client.CommandAsync("STAT"));
        Assert.Equal($"+OK 1 messages ({first} octets)", await client.CommandAsync("LIST"));
        Assert.Equal($"1 {first}\r\n", Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()));
        Assert.StartsWith("-ERR", await client.CommandAsync("DELE 2"));
        Assert.Equal($"+OK 1 {first}", await client.CommandAsync("STAT"));

        Assert.StartsWith("+OK", await client.CommandAsync("RSET"));
        Assert.Equal($"+OK 2 {first + second}", await client.CommandAsync("STAT"));
        Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
        Assert.Equal($"+OK 1 {second}", await client.CommandAsync("STAT"));
        Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir()));
    }

    [Fact]
    public async Task Commands_in_the_wrong_state_are_refused()
    {
        await using var server = await Pop3TestServer.StartAsync();
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.Equal("-ERR Not logged in.", await client.CommandAsync("STAT"));
        Assert.Equal("-ERR Not logged in.", await client.CommandAsync("RETR 1"));
        Assert.StartsWith("-ERR", await client.CommandAsync("PASS nouser"));
        Assert.StartsWith("+OK", await client.CommandAsync("USER " + Pop3TestServer.User));
        Assert.StartsWith("+OK", await client.CommandAsync("PASS " + Pop3TestServer.Password));
        Assert.Equal("-ERR Command not allowed in this state.", await client.CommandAsync("USER x"));
        Assert.Equal("-ERR Command not allowed in this state.", await client.CommandAsync("STLS"));
        Assert.Equal("-ERR Command not allowed in this state.", await client.CommandAsync("AUTH PLAIN"));
        Assert.Equal("-ERR Unknown command.", await client.CommandAsync("APOP alice 0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public async Task Overlong_line_gets_err_and_the_session_goes_on()
    {
        await using var server = await Pop3TestServer.StartAsync();
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        await client.SendRawAsync(Encoding.ASCII.GetBytes("NOOP " + new string('x', 1024 * 1024) + "\r\n"));
        Assert.Equal("-ERR Line too long.", await client.ReadLineAsync());
        Assert.StartsWith("+OK", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Too_many_bad_commands_close_the_connection()
    {
        await using var server = await Pop3TestServer.StartAsync(new() { ["Pop3:MaxBadCommands"] = "5" });
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("-ERR Unknown command.", await client.CommandAsync("XYZZY"));
        }

        Assert.Equal("-ERR Too many bad commands, closing.", await client.CommandAsync("\0\u0001garbage"));
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Plaintext_login_before_tls_is_refused_with_auth_code_and_capa_hides_user()
    {
        await using var server = await Pop3TestServer.StartAsync(new() { ["Facteur:AllowPlaintextAuth"] = "false" });
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", await client.CommandAsync("CAPA"));
        var capa = Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync());
        Assert.Contains("STLS\r\n", capa);
        Assert.DoesNotContain("USER\r\n", capa);
        Assert.DoesNotContain("SASL", capa);
        Assert.StartsWith("-ERR [AUTH]", await client.CommandAsync("USER " + Pop3TestServer.User));
        Assert.StartsWith("-ERR [AUTH]", await client.CommandAsync("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzM2NyZXQgcGFzcw=="));
        Assert.Equal(0, server.Authenticator.Calls);
    }

    [Fact]
    public async Task Commands_pipelined_after_stls_are_refused()
    {
        await using var server = await Pop3TestServer.StartAsync();
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        await client.SendRawAsync(Encoding.ASCII.GetBytes("STLS\r\nUSER injected\r\n"));
        Assert.StartsWith("-ERR", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Failed_logins_are_delayed_then_refused_per_ip_and_sessions_closed_after_three()
    {
        await using var server = await Pop3TestServer.StartAsync(new()
        {
            ["Pop3:MaxFailedLoginsPerIp"] = "6",
            ["Pop3:FailedLoginDelay"] = "00:00:00.050",
            ["Pop3:MaxFailedLoginDelay"] = "00:00:00.200",
        });
        var failures = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var session = 0; session < 2; session++)
        {
            await using var client = await RawPop3Client.ConnectAsync(server.Port);
            for (var i = 0; i < 3; i++)
            {
                Assert.StartsWith("+OK", await client.CommandAsync("USER " + Pop3TestServer.User));
                Assert.Equal("-ERR [AUTH] Authentication failed.", await client.CommandAsync("PASS wrong" + i));
                failures++;
            }

            // Pop3:MaxAuthFailuresPerSession (3) closes the session.
            Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
        }

        // 50+100+200+200+200+200 ms of delays at least.
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(900), $"failed logins answered in {started.Elapsed}");
        var callsBefore = server.Authenticator.Calls;
        await using (var blocked = await RawPop3Client.ConnectAsync(server.Port))
        {
            Assert.StartsWith("+OK", await blocked.CommandAsync("USER " + Pop3TestServer.User));
            // Even the right password is refused now, without asking the authenticator.
            Assert.StartsWith("-ERR [SYS/TEMP]", await blocked.CommandAsync("PASS " + Pop3TestServer.Password));
        }

        Assert.Equal(6, failures);
        Assert.Equal(callsBefore, server.Authenticator.Calls);
    }

    [Fact]
    public async Task Failed_logins_for_one_user_block_that_user_not_others_from_the_same_address()
    {
        await using var server = await Pop3TestServer.StartAsync(new() { ["Pop3:MaxFailedLoginsPerUser"] = "2" });
        for (var i = 0; i < 2; i++)
        {
            await using var guesser = await RawPop3Client.ConnectAsync(server.Port);
            Assert.StartsWith("+OK", await guesser.CommandAsync("USER " + Pop3TestServer.OtherUser));
            Assert.StartsWith("-ERR [AUTH]", await guesser.CommandAsync("PASS wrong" + i));
        }

        await using (var owner = await RawPop3Client.ConnectAsync(server.Port))
        {
            Assert.StartsWith("+OK", await owner.CommandAsync("USER " + Pop3TestServer.OtherUser));
            Assert.StartsWith("-ERR [SYS/TEMP]", await owner.CommandAsync("PASS " + Pop3TestServer.OtherPassword));
        }

        // The address itself is not blocked: another user logs in from it.
        await using var other = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", await other.CommandAsync("USER " + Pop3TestServer.User));
        Assert.StartsWith("+OK", await other.CommandAsync("PASS " + Pop3TestServer.Password));
    }

    [Fact]
    public async Task Idle_client_is_logged_out_by_the_autologout_timer()
    {
        await using var server = await Pop3TestServer.StartAsync(new() { ["Pop3:AutologoutTimeout"] = "00:00:01" });
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("idle", "x\r\n"));
        await using var client = await LoginAsync(server);
        Assert.StartsWith("+OK", await client.CommandAsync("DELE 1"));
        Assert.StartsWith("-ERR Autologout", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir())); // autologout is not QUIT: no UPDATE state
    }

    [Fact]
    public async Task Client_dropping_mid_retr_of_a_5_mb_message_deletes_nothing_and_the_server_stays_healthy()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var line = new string('a', 76) + "\r\n";
        var big = new StringBuilder("Subject: big\r\n\r\n");
        while (big.Length < 5 * 1024 * 1024)
        {
            big.Append(line);
        }

        MaildirSeed.Deliver(server.Maildir(), big.ToString());
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("small", "x\r\n"));
        await using (var client = await LoginAsync(server))
        {
            Assert.StartsWith("+OK", await client.CommandAsync("DELE 2"));
            Assert.StartsWith("+OK", await client.CommandAsync("RETR 1"));
            await client.ReadLineAsync();
            client.Abort();
        }

        // The server notices, ends the session without UPDATE and releases the maildrop.
        for (var attempt = 0; ; attempt++)
        {
            await using var again = await RawPop3Client.ConnectAsync(server.Port);
            Assert.StartsWith("+OK", await again.CommandAsync("USER " + Pop3TestServer.User));
            var reply = await again.CommandAsync("PASS " + Pop3TestServer.Password);
            if (reply.StartsWith("+OK", StringComparison.Ordinal))
            {
                Assert.StartsWith("+OK 2 ", await again.CommandAsync("STAT"));
                break;
            }

            Assert.True(attempt < 50, "maildrop still locked after the client dropped");
            await Task.Delay(100);
        }

        Assert.Equal(2, MaildirSeed.FileCount(server.Maildir()));
        // Not fully sent: not marked \Seen either.
        Assert.Equal(2, Directory.GetFiles(Path.Combine(server.Maildir(), "new")).Length);
    }

    [Fact]
    public async Task Auth_plain_with_initial_response_and_cancelled_auth_login()
    {
        await using var server = await Pop3TestServer.StartAsync();
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.Equal("+ VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN"));
        Assert.Equal("-ERR Authentication cancelled.", await client.CommandAsync("*"));
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Pop3TestServer.User}\0{Pop3TestServer.Password}"));
        Assert.StartsWith("+OK", await client.CommandAsync("AUTH PLAIN " + plain));
        Assert.StartsWith("+OK 0 0", await client.CommandAsync("STAT"));
    }

    [Fact]
    public async Task Capa_lists_mechanisms_and_auth_without_argument_lists_them_too()
    {
        await using var server = await Pop3TestServer.StartAsync();
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", await client.CommandAsync("CAPA"));
        var capa = Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "USER", "SASL PLAIN LOGIN", "STLS", "IMPLEMENTATION Facteur"], capa);
        Assert.StartsWith("+OK", await client.CommandAsync("AUTH"));
        Assert.Equal("PLAIN\r\nLOGIN\r\n", Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()));
    }

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order()
    {
        await using var server = await Pop3TestServer.StartAsync();
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("p", "x\r\n"));
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        await client.SendRawAsync(Encoding.ASCII.GetBytes($"USER {Pop3TestServer.User}\r\nPASS {Pop3TestServer.Password}\r\nSTAT\r\nUIDL 1\r\nQUIT\r\n"));
        Assert.StartsWith("+OK", await client.ReadLineAsync());
        Assert.StartsWith("+OK Logged in", await client.ReadLineAsync());
        Assert.StartsWith("+OK 1 ", await client.ReadLineAsync());
        Assert.StartsWith("+OK 1 00000001", await client.ReadLineAsync());
        Assert.StartsWith("+OK Logging out", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Messages_renamed_or_expunged_by_another_process_during_the_session_are_followed_or_reported()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        var renamed = MaildirSeed.Deliver(maildir, MaildirSeed.Message("renamed by imap", "x\r\n"));
        var expunged = MaildirSeed.Deliver(maildir, MaildirSeed.Message("expunged by imap", "x\r\n"));
        await using var client = await LoginAsync(server);

        // An IMAP session flags one message (new/ -> cur/ with :2,F) and expunges the other.
        File.Move(Path.Combine(maildir, "new", renamed), Path.Combine(maildir, "cur", renamed + ":2,F"));
        File.Delete(Path.Combine(maildir, "new", expunged));

        Assert.StartsWith("+OK", await client.CommandAsync("RETR 1"));
        Assert.Contains("renamed by imap", Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()));
        Assert.Equal("-ERR Message 2 was removed by another session.", await client.CommandAsync("RETR 2"));
        Assert.StartsWith("+OK", await client.CommandAsync("DELE 2"));
        Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));

        // RETR kept IMAP's flag and added \Seen; the expunged one stays gone without an error.
        Assert.Equal([renamed + ":2,FS"], Directory.GetFiles(Path.Combine(maildir, "cur")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task List_and_uidl_of_a_large_maildrop_with_deletions_at_the_chunk_boundaries_are_whole_and_in_order()
    {
        // The listing is flushed in chunks of 256, 512, 1,024 … lines: deletions on both sides of
        // each boundary, and more messages than the first three chunks hold.
        await using var server = await Pop3TestServer.StartAsync();
        const int count = 2000;
        for (var i = 0; i < count; i++)
        {
            MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("m" + i, new string('x', i % 97) + "\r\n"));
        }

        await using var client = await LoginAsync(server);
        int[] deleted = [1, 2, 256, 257, 258, 768, 769, 1792, 1793, count];
        foreach (var number in deleted)
        {
            Assert.StartsWith("+OK", await client.CommandAsync("DELE " + number));
        }

        var stat = (await client.CommandAsync("STAT")).Split(' ');
        var expected = Enumerable.Range(1, count).Except(deleted).ToArray();
        Assert.Equal(expected.Length, int.Parse(stat[1]));

        Assert.StartsWith("+OK", await client.CommandAsync("LIST"));
        var list = Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')).ToArray();
        Assert.Equal(expected, list.Select(fields => int.Parse(fields[0])));
        Assert.Equal(long.Parse(stat[2]), list.Sum(fields => long.Parse(fields[1])));

        Assert.StartsWith("+OK", await client.CommandAsync("UIDL"));
        var uidl = Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')).ToArray();
        Assert.Equal(expected, uidl.Select(fields => int.Parse(fields[0])));
        Assert.Equal(uidl.Length, uidl.Select(fields => fields[1]).Distinct().Count());

        // Lines next to each boundary agree with the single-message forms, and the session goes on.
        foreach (var number in (int[])[3, 255, 259, 767, 770, 1791, 1794, count - 1])
        {
            var index = Array.IndexOf(expected, number);
            Assert.Equal($"+OK {number} {list[index][1]}", await client.CommandAsync("LIST " + number));
            Assert.Equal($"+OK {number} {uidl[index][1]}", await client.CommandAsync("UIDL " + number));
        }

        Assert.StartsWith("+OK", await client.CommandAsync("NOOP"));
    }
}
