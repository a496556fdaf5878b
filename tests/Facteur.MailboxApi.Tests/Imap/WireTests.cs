using System.Text;
using Facteur.Contracts;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Index;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>Exact protocol behaviour over a raw socket: the RFC 3501 §8 session, literals, sequence sets, bad input, limits.</summary>
public sealed class WireTests
{
    private static async Task<RawImapClient> LoginAsync(ImapTestServer server)
    {
        var client = await RawImapClient.ConnectAsync(server.Port);
        var reply = await client.CommandAsync("L1", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\"");
        Assert.StartsWith("L1 OK", reply[^1]);
        return client;
    }

    /// <summary>Six messages delivered, 2 and 4 expunged: INBOX selected with UIDs 1 3 5 6 as messages 1 to 4.</summary>
    private static async Task<RawImapClient> SelectUidsWithGapsAsync(ImapTestServer server)
    {
        for (var i = 0; i < 6; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        await client.CommandAsync("d", @"STORE 2,4 +FLAGS.SILENT (\Deleted)");
        await client.CommandAsync("x", "EXPUNGE");
        return client;
    }

    private const string SampleHeader =
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\nFrom: Terry Gray <gray@cac.washington.edu>\r\nSubject: IMAP4rev1 WG mtg summary and minutes\r\n" +
        "To: imap@cac.washington.edu\r\ncc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\nMessage-Id: <B27397-0100000@cac.washington.edu>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n";

    [Fact]
    public async Task Rfc3501_section_8_sample_session()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 1; i <= 18; i++)
        {
            var content = i == 12 ? SampleHeader + "The meeting minutes.\r\nSecond line.\r\n" : MaildirSeed.Message($"m{i}", "x\r\n");
            MaildirSeed.Deliver(server.Maildir(), content, intoCur: i < 17, info: i < 17 ? "S" : string.Empty);
        }

        var twelfth = Directory.GetFiles(Path.Combine(server.Maildir(), "cur")).Order(StringComparer.Ordinal).ElementAt(11);
        File.SetLastWriteTimeUtc(twelfth, new DateTime(1996, 7, 17, 9, 44, 25, DateTimeKind.Utc));

        await using var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("* OK", client.Greeting);
        Assert.StartsWith("a001 OK", (await client.CommandAsync("a001", $"login {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);

        var select = await client.CommandAsync("a002", "select inbox");
        Assert.Contains("* 18 EXISTS", select);
        Assert.Contains(select, l => l.StartsWith(@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft", StringComparison.Ordinal));
        Assert.Contains(select, l => l.StartsWith("* OK [UNSEEN 17]", StringComparison.Ordinal));
        Assert.Contains(select, l => l.StartsWith("* OK [UIDVALIDITY ", StringComparison.Ordinal));
        Assert.StartsWith("a002 OK [READ-WRITE]", select[^1]);

        var full = await client.CommandAsync("a003", "fetch 12 full");
        var line = Assert.Single(full, l => l.StartsWith("* 12 FETCH", StringComparison.Ordinal));
        Assert.Contains(@"FLAGS (\Seen)", line);
        Assert.Contains("INTERNALDATE \"17-Jul-1996 09:44:25 +0000\"", line);
        var size = Encoding.ASCII.GetByteCount(SampleHeader + "The meeting minutes.\r\nSecond line.\r\n");
        Assert.Contains($"RFC822.SIZE {size}", line);
        Assert.Contains("ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\"))", line);
        Assert.Contains("((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\")", line);
        Assert.Contains("BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 36 2)", line);
        Assert.StartsWith("a003 OK", full[^1]);

        var header = await client.CommandAsync("a004", "fetch 12 body[header]");
        Assert.Contains($"* 12 FETCH (BODY[HEADER] {{{Encoding.ASCII.GetByteCount(SampleHeader)}}}\r\n{SampleHeader})", header[0]);
        Assert.StartsWith("a004 OK", header[^1]);

        var store = await client.CommandAsync("a005", @"store 12 +flags \deleted");
        Assert.Contains(@"* 12 FETCH (FLAGS (\Deleted \Seen))", store);
        Assert.StartsWith("a005 OK", store[^1]);

        var logout = await client.CommandAsync("a006", "logout");
        Assert.Contains(logout, l => l.StartsWith("* BYE", StringComparison.Ordinal));
        Assert.StartsWith("a006 OK", logout[^1]);
    }

    [Fact]
    public async Task Fetch_body_sets_seen_but_peek_does_not()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "body one\r\n"));
        server.Deliver(MaildirSeed.Message("two", "body two\r\n"));
        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        var peek = await client.CommandAsync("a", "FETCH 1 (BODY.PEEK[TEXT])");
        Assert.Contains("BODY[TEXT] {10}\r\nbody one\r\n", peek[0]);
        Assert.DoesNotContain(@"\Seen", string.Join("\n", peek));
        var fetch = await client.CommandAsync("b", "FETCH 2 BODY[TEXT]");
        Assert.Contains(@"FLAGS (\Seen)", fetch[0]);
        var flags = await client.CommandAsync("c", "FETCH 1:2 FLAGS");
        Assert.Contains("* 1 FETCH (FLAGS ())", flags);
        Assert.Contains(@"* 2 FETCH (FLAGS (\Seen))", flags);
        var examine = await client.CommandAsync("d", "EXAMINE INBOX");
        Assert.StartsWith("d OK [READ-ONLY]", examine[^1]);
        await client.CommandAsync("e", "FETCH 1 BODY[TEXT]");
        Assert.Contains("* 1 FETCH (FLAGS ())", await client.CommandAsync("f", "FETCH 1 FLAGS"));
    }

    [Fact]
    public async Task Synchronizing_nonsynchronizing_and_empty_literals()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        var user = Encoding.UTF8.GetByteCount(ImapTestServer.User);
        await client.SendAsync($"a LOGIN {{{user}}}\r\n");
        Assert.StartsWith("+", await client.ReadLineAsync());
        await client.SendAsync($"{ImapTestServer.User} {{{ImapTestServer.Password.Length}+}}\r\n{ImapTestServer.Password}\r\n");
        Assert.StartsWith("a OK", (await client.ReadUntilTaggedAsync("a"))[^1]);

        var message = "Subject: 8-bit \u00e9t\u00e9\r\n\r\nCaf\u00e9\r\n";
        var bytes = Encoding.UTF8.GetBytes(message);
        await client.SendAsync($"b APPEND INBOX (\\Seen) {{{bytes.Length}+}}\r\n");
        await client.SendRawAsync([.. bytes, .. "\r\n"u8.ToArray()]);
        Assert.Matches(@"^b OK \[APPENDUID \d+ 1\]", (await client.ReadUntilTaggedAsync("b"))[^1]);

        await client.SendAsync("c CREATE {0+}\r\n\r\n");
        Assert.StartsWith("c NO", (await client.ReadUntilTaggedAsync("c"))[^1]);
        await client.SendAsync("d APPEND INBOX {0+}\r\n\r\n");
        Assert.StartsWith("d OK", (await client.ReadUntilTaggedAsync("d"))[^1]);

        await client.CommandAsync("e", "SELECT INBOX");
        var fetched = await client.CommandAsync("f", "FETCH 1 BODY.PEEK[]");
        Assert.Contains(message, fetched[0]);
    }

    [Fact]
    public async Task A_huge_synchronizing_literal_gets_toobig_and_the_session_goes_on()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxLiteralSize"] = "1048576" });
        await using var client = await LoginAsync(server);
        await client.SendAsync("a APPEND INBOX {104857600}\r\n");
        Assert.StartsWith("a NO [TOOBIG]", await client.ReadLineAsync());
        Assert.StartsWith("b OK", (await client.CommandAsync("b", "NOOP"))[^1]);
    }

    [Fact]
    public async Task A_huge_nonsynchronizing_literal_closes_the_connection()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxLiteralSize"] = "1048576" });
        await using var client = await LoginAsync(server);
        await client.SendAsync("a APPEND INBOX {104857600+}\r\n");
        Assert.StartsWith("a BAD [TOOBIG]", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
        await using var again = await LoginAsync(server);
    }

    [Theory]
    [InlineData("FETCH 1 (FLAGS")]
    [InlineData("FETCH 1 (FLAGS))")]
    [InlineData("STORE 1 +FLAGS (\\Seen")]
    [InlineData("SEARCH (OR SEEN")]
    [InlineData("FETCH 0 FLAGS")]
    [InlineData("FETCH 1:x FLAGS")]
    [InlineData("FETCH 99 FLAGS")]
    [InlineData("FETCH 1,,2 FLAGS")]
    [InlineData("FETCH 1 BODY[1.HEADER.FIELDS (]")]
    [InlineData("FETCH 1 NOSUCHITEM")]
    [InlineData("SEARCH NOSUCHKEY")]
    [InlineData("UID FETCH")]
    [InlineData("UID NOSUCH 1")]
    [InlineData("XYZZY")]
    public async Task Malformed_commands_get_bad_and_the_session_stays_usable(string command)
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.StartsWith("t BAD", (await client.CommandAsync("t", command))[^1]);
        Assert.StartsWith("n OK", (await client.CommandAsync("n", "NOOP"))[^1]);
    }

    [Fact]
    public async Task Sequence_sets_star_reversed_ranges_and_uids_past_the_end()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 0; i < 6; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.Equal(4, (await client.CommandAsync("a", "FETCH 5:2 UID")).Count(l => l.StartsWith("* ", StringComparison.Ordinal)));
        Assert.Equal(["* 6 FETCH (UID 6)"], (await client.CommandAsync("b", "FETCH * UID")).Where(l => l.StartsWith('*')));
        Assert.Equal(6, (await client.CommandAsync("c", "FETCH 1:* UID")).Count(l => l.StartsWith('*')));
        Assert.Equal(["* 6 FETCH (UID 6)"], (await client.CommandAsync("d", "UID FETCH 100:* UID")).Where(l => l.StartsWith('*')));
        Assert.DoesNotContain(await client.CommandAsync("e", "UID FETCH 100:200 UID"), l => l.StartsWith('*'));
        Assert.Equal(3, (await client.CommandAsync("f", "FETCH 1,3,5 UID")).Count(l => l.StartsWith('*')));
        Assert.Contains("* SEARCH 2 3 4 5", await client.CommandAsync("g", "SEARCH 5:2"));
        Assert.Contains("* SEARCH 6", await client.CommandAsync("h", "UID SEARCH UID 6:100"));
    }

    [Fact]
    public async Task Overlapping_and_unordered_sets_name_each_message_once_in_mailbox_order()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await SelectUidsWithGapsAsync(server);

        static string[] Untagged(IEnumerable<string> lines) => lines.Where(l => l.StartsWith('*')).ToArray();
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 5)", "* 4 FETCH (UID 6)"],
            Untagged(await client.CommandAsync("a", "FETCH 4,1:2,2:3,*,3 UID")));
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 5)", "* 4 FETCH (UID 6)"],
            Untagged(await client.CommandAsync("b", "UID FETCH 6,2:3,1,5:4,100 UID")));
        Assert.Equal(["* 3 FETCH (UID 5)", "* 4 FETCH (UID 6)"], Untagged(await client.CommandAsync("c", "UID FETCH *:4 UID")));
        Assert.Equal(["* 2 FETCH (UID 3)"], Untagged(await client.CommandAsync("e", "UID FETCH 2:4 UID")));
        Assert.Empty(Untagged(await client.CommandAsync("f", "UID FETCH 2,4 UID")));
        Assert.StartsWith("g BAD", (await client.CommandAsync("g", "FETCH 3:5 UID"))[^1]);
    }

    [Fact]
    public async Task A_search_bounded_by_a_set_finds_what_the_set_and_the_other_keys_say()
    {
        // SEARCH looks only at the positions a SEQ or UID key allows (SearchMatches.Find); these are the
        // edges of that: gaps in the UIDs, "*" past the end, reversed and overlapping ranges, a set
        // that names nothing, and OR / NOT, which must not bound.
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await SelectUidsWithGapsAsync(server);
        await client.CommandAsync("f", @"STORE 3 +FLAGS.SILENT (\Flagged)"); // UID 5

        async Task<string> Search(string tag, string command) =>
            Assert.Single(await client.CommandAsync(tag, command), l => l.StartsWith("* SEARCH", StringComparison.Ordinal));
        Assert.Equal("* SEARCH 3", await Search("a", "UID SEARCH UID 2:4"));
        Assert.Equal("* SEARCH 6", await Search("b", "UID SEARCH UID 100:*"));
        Assert.Equal("* SEARCH 5 6", await Search("c", "UID SEARCH UID *:4"));
        Assert.Equal("* SEARCH", await Search("e", "UID SEARCH UID 2,4"));
        Assert.Equal("* SEARCH 1 5 6", await Search("g", "UID SEARCH UID 6,1,5:5,4294967295"));
        Assert.Equal("* SEARCH 1 2 3 4", await Search("h", "SEARCH 4,1:2,2:3,*"));
        Assert.Equal("* SEARCH 4", await Search("i", "SEARCH 4:4294967295"));
        Assert.Equal("* SEARCH 2 3", await Search("j", "SEARCH UID 3:5 2:4"));
        Assert.Equal("* SEARCH 5", await Search("k", @"UID SEARCH FLAGGED UID 1:*"));
        Assert.Equal("* SEARCH", await Search("l", @"UID SEARCH UID 1:3 FLAGGED"));
        Assert.Equal("* SEARCH 1 6", await Search("m", "UID SEARCH OR UID 1 UID 6"));
        Assert.Equal("* SEARCH 1 5 6", await Search("n", "UID SEARCH NOT UID 3"));
        Assert.Equal("* SEARCH 3 5", await Search("o", "UID SEARCH (UID 3:5) NOT UID 6"));
    }

    [Theory]
    [InlineData("\"../evil\"")]
    [InlineData("\"a/b\"")]
    [InlineData("\"a..b\"")]
    [InlineData("\".hidden\"")]
    [InlineData("\"~root\"")]
    [InlineData("{3+}\r\na\0b")]
    public async Task Dangerous_folder_names_are_refused(string name)
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await LoginAsync(server);
        Assert.StartsWith("a NO", (await client.CommandAsync("a", "CREATE " + name))[^1]);
        Assert.DoesNotContain(Directory.GetDirectories(server.MailRoot), d => !d.EndsWith("example.test", StringComparison.Ordinal));
        Assert.StartsWith("b NO", (await client.CommandAsync("b", "SELECT " + name))[^1]);
    }

    [Fact]
    public async Task Two_hundred_levels_of_hierarchy_are_refused()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await LoginAsync(server);
        var deep = string.Join('.', Enumerable.Range(0, 200).Select(i => "l" + i));
        Assert.StartsWith("a NO", (await client.CommandAsync("a", $"CREATE \"{deep}\""))[^1]);
        Assert.StartsWith("b OK", (await client.CommandAsync("b", "CREATE \"l0.l1.l2\""))[^1]);
        var list = await client.CommandAsync("c", "LIST \"\" \"l0*\"");
        Assert.Contains(@"* LIST (\Noselect \HasChildren) ""."" ""l0""", list);
        Assert.Contains(@"* LIST (\HasNoChildren) ""."" ""l0.l1.l2""", list);
        var percent = await client.CommandAsync("d", "LIST \"\" \"l0.%\"");
        Assert.Single(percent, l => l.StartsWith("* LIST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Commands_in_the_wrong_state_get_bad()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("a BAD", (await client.CommandAsync("a", "SELECT INBOX"))[^1]);
        Assert.StartsWith("b BAD", (await client.CommandAsync("b", "FETCH 1 FLAGS"))[^1]);
        await client.CommandAsync("c", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");
        Assert.StartsWith("d BAD", (await client.CommandAsync("d", "FETCH 1 FLAGS"))[^1]);
        Assert.StartsWith("e BAD", (await client.CommandAsync("e", $"LOGIN {ImapTestServer.User} x"))[^1]);
        Assert.StartsWith("f BAD", (await client.CommandAsync("f", "EXPUNGE"))[^1]);
    }

    [Fact]
    public async Task Logindisabled_before_tls_unless_plaintext_is_allowed()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Facteur:AllowPlaintextAuth"] = "false" });
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        var capability = await client.CommandAsync("a", "CAPABILITY");
        Assert.Contains("LOGINDISABLED", capability[0]);
        Assert.Contains("STARTTLS", capability[0]);
        Assert.DoesNotContain("AUTH=PLAIN", capability[0]);
        Assert.StartsWith("b NO [PRIVACYREQUIRED]", (await client.CommandAsync("b", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{ImapTestServer.User}\0{ImapTestServer.Password}"));
        Assert.StartsWith("c NO", (await client.CommandAsync("c", "AUTHENTICATE PLAIN " + plain))[^1]);
    }

    [Fact]
    public async Task Authenticate_plain_with_initial_response_and_login_mechanism()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using (var client = await RawImapClient.ConnectAsync(server.Port))
        {
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{ImapTestServer.User}\0{ImapTestServer.Password}"));
            Assert.StartsWith("a OK", (await client.CommandAsync("a", "AUTHENTICATE PLAIN " + plain))[^1]);
        }

        await using (var client = await RawImapClient.ConnectAsync(server.Port))
        {
            await client.SendAsync("a AUTHENTICATE LOGIN\r\n");
            Assert.Equal("+ VXNlcm5hbWU6", await client.ReadLineAsync());
            await client.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(ImapTestServer.User)) + "\r\n");
            Assert.Equal("+ UGFzc3dvcmQ6", await client.ReadLineAsync());
            await client.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(ImapTestServer.Password)) + "\r\n");
            Assert.StartsWith("a OK", (await client.ReadUntilTaggedAsync("a"))[^1]);
        }

        await using (var client = await RawImapClient.ConnectAsync(server.Port))
        {
            await client.SendAsync("a AUTHENTICATE PLAIN\r\n");
            Assert.StartsWith("+", await client.ReadLineAsync());
            await client.SendAsync("*\r\n");
            Assert.StartsWith("a BAD", (await client.ReadUntilTaggedAsync("a"))[^1]);
        }
    }

    [Fact]
    public async Task Renaming_inbox_moves_its_messages_and_leaves_it_empty()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        server.Deliver(MaildirSeed.Message("two", "y\r\n"));
        await using var client = await LoginAsync(server);
        Assert.StartsWith("a OK", (await client.CommandAsync("a", "RENAME INBOX Old"))[^1]);
        Assert.Contains("* STATUS \"Old\" (MESSAGES 2)", await client.CommandAsync("b", "STATUS Old (MESSAGES)"));
        Assert.Contains("* STATUS \"INBOX\" (MESSAGES 0)", await client.CommandAsync("c", "STATUS INBOX (MESSAGES)"));
    }

    [Fact]
    public async Task Idle_sends_exists_for_a_delivery_and_ends_with_done()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        await client.SendAsync("i IDLE\r\n");
        Assert.StartsWith("+ ", await client.ReadLineAsync());
        server.Deliver(MaildirSeed.Message("new", "x\r\n"));
        Assert.Equal("* 1 EXISTS", await client.ReadLineAsync());
        Assert.Equal("* 0 RECENT", await client.ReadLineAsync());
        await client.SendAsync("DONE\r\n");
        Assert.StartsWith("i OK", (await client.ReadUntilTaggedAsync("i"))[^1]);
    }

    [Fact]
    public async Task Idle_is_woken_by_a_delivery_event_long_before_the_poll()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:IdlePollInterval"] = "00:01:00" });
        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        await client.SendAsync("i IDLE\r\n");
        Assert.StartsWith("+ ", await client.ReadLineAsync());
        server.Deliver(MaildirSeed.Message("new", "x\r\n"));
        var started = DateTime.UtcNow;

        // What MailDeliveredConsumer does when the bus brings the event.
        server.Services.GetRequiredService<MessageStore>().NotifyChanged(ImapTestServer.User, "INBOX");
        Assert.Equal("* 1 EXISTS", await client.ReadLineAsync());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
        await client.SendAsync("DONE\r\n");
        Assert.StartsWith("i OK", (await client.ReadUntilTaggedAsync("i"))[^1]);
    }

    [Fact]
    public async Task Idle_is_woken_by_a_delivery_workers_batch_of_folders_on_the_bus()
    {
        // The poll is a minute away: only the batch published on the bus can wake the session in time.
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:IdlePollInterval"] = "00:01:00" }, withBus: true);
        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        await client.SendAsync("i IDLE\r\n");
        Assert.StartsWith("+ ", await client.ReadLineAsync());
        var file = Path.GetFileName(server.Deliver(MaildirSeed.Message("new", "x\r\n")));
        var started = DateTime.UtcNow;

        // What DeliveredAnnouncer publishes when one interval touched several folders.
        await server.Services.GetRequiredService<IBus>().Publish(new MailDeliveredBatch
        {
            Copies =
            [
                new MailDelivered { Mailbox = ImapTestServer.OtherUser, Folder = "INBOX", FileName = "1.other", QueueId = "Q1", DeliveredAt = DateTimeOffset.UtcNow },
                new MailDelivered { Mailbox = ImapTestServer.User, Folder = "INBOX", FileName = file, QueueId = "Q2", DeliveredAt = DateTimeOffset.UtcNow },
            ],
        });
        Assert.Equal("* 1 EXISTS", await client.ReadLineAsync());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        await client.SendAsync("DONE\r\n");
        Assert.StartsWith("i OK", (await client.ReadUntilTaggedAsync("i"))[^1]);
    }

    [Fact]
    public async Task Overlong_lines_are_refused_without_buffering_them()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxLineLength"] = "1024" });
        await using var client = await LoginAsync(server);
        await client.SendAsync("a NOOP " + new string('x', 200_000) + "\r\n");
        Assert.StartsWith("* BAD", await client.ReadLineAsync());
        Assert.StartsWith("b OK", (await client.CommandAsync("b", "NOOP"))[^1]);
    }

    [Fact]
    public async Task Autologout_before_authentication()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:PreAuthTimeout"] = "00:00:01" });
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("* BYE", await client.ReadLineAsync());
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Connections_per_ip_are_limited()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxConnectionsPerIp"] = "2" });
        await using var first = await RawImapClient.ConnectAsync(server.Port);
        await using var second = await RawImapClient.ConnectAsync(server.Port);
        await using var third = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("* OK", first.Greeting);
        Assert.StartsWith("* BYE", third.Greeting);
        await first.DisposeAsync();
        await Task.Delay(300);
        await using var fourth = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("* OK", fourth.Greeting);
    }

    [Fact]
    public async Task Failed_logins_are_throttled_per_user()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxFailedLoginsPerUser"] = "2" });
        for (var i = 0; i < 2; i++)
        {
            await using var client = await RawImapClient.ConnectAsync(server.Port);
            Assert.StartsWith("a NO [AUTHENTICATIONFAILED]", (await client.CommandAsync("a", $"LOGIN {ImapTestServer.User} wrong"))[^1]);
        }

        await using var blocked = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("a NO [UNAVAILABLE]", (await blocked.CommandAsync("a", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
        Assert.StartsWith("b OK", (await blocked.CommandAsync("b", $"LOGIN {ImapTestServer.OtherUser} {ImapTestServer.OtherPassword}"))[^1]);
    }

    [Fact]
    public async Task A_client_that_never_reads_is_disconnected_and_the_server_stays_healthy()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:OutputTimeout"] = "00:00:01" });
        var big = MaildirSeed.Message("big", new string('z', 1_000_000) + "\r\n");
        for (var i = 0; i < 4; i++)
        {
            server.Deliver(big);
        }

        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        var commands = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            commands.Append(CultureInfoInvariant($"f{i} FETCH 1:* BODY.PEEK[]\r\n"));
        }

        // Sent without ever reading: the server's output fills, the flush times out, the connection goes.
        var send = client.SendAsync(commands.ToString());
        await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(3)));
        // Give the server time to notice (output timeout 1 s) before reading: reading would unblock it.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(20)));
        await using var healthy = await LoginAsync(server);
        Assert.StartsWith("n OK", (await healthy.CommandAsync("n", "NOOP"))[^1]);
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);
}
