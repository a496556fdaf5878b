using System.Diagnostics;
using System.Globalization;
using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// What a broken or hostile client sends: every answer is the exact tagged BAD or NO (with the
/// RFC 5530 code where one applies), memory stays bounded, other sessions keep being served and
/// a new LOGIN works afterwards. Runs outside the parallel tests so memory can be measured.
/// </summary>
[Collection(ExternalProcessesCollection.Name)]
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private static async Task<RawImapClient> LoginAsync(ImapTestServer server)
    {
        var client = await RawImapClient.ConnectAsync(server.Port);
        var reply = await client.CommandAsync("L1", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\"");
        Assert.StartsWith("L1 OK", reply[^1]);
        return client;
    }

    /// <summary>The process is healthy: a new connection logs in, selects and fetches.</summary>
    private static async Task AssertHealthyAsync(ImapTestServer server)
    {
        await using var client = await LoginAsync(server);
        Assert.StartsWith("h1 OK", (await client.CommandAsync("h1", "SELECT INBOX"))[^1]);
        Assert.StartsWith("h2 OK", (await client.CommandAsync("h2", "FETCH 1:* (UID FLAGS)"))[^1]);
        Assert.StartsWith("h3 OK", (await client.CommandAsync("h3", "LOGOUT"))[^1]);
    }

    [Theory]
    [InlineData("FETCH 1 (FLAGS UID")]
    [InlineData("FETCH 1 ((FLAGS)")]
    [InlineData("FETCH 1 FLAGS)")]
    [InlineData("FETCH 1 (BODY[HEADER.FIELDS (SUBJECT])")]
    [InlineData("FETCH 1 BODY[HEADER.FIELDS SUBJECT)]")]
    [InlineData("SEARCH (SUBJECT x")]
    [InlineData("SEARCH (OR (SEEN) (DELETED)")]
    [InlineData("SEARCH NOT (")]
    [InlineData("STORE 1 FLAGS (\\Seen (\\Deleted)")]
    [InlineData("STATUS INBOX (MESSAGES")]
    [InlineData("STATUS INBOX MESSAGES)")]
    [InlineData("LIST (SUBSCRIBED \"\" *")]
    [InlineData("APPEND INBOX (\\Seen {1+}\r\nx")]
    [InlineData("ID (\"name\" \"x\"")]
    public async Task Unbalanced_parentheses_get_a_tagged_bad(string command)
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        var reply = await client.CommandAsync("t", command);
        Assert.StartsWith("t BAD ", reply[^1]);
        Assert.DoesNotContain(reply, l => l.StartsWith("* ", StringComparison.Ordinal) && !l.StartsWith("* OK", StringComparison.Ordinal));
        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir()));
        Assert.StartsWith("n OK", (await client.CommandAsync("n", "NOOP"))[^1]);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1:")]
    [InlineData(":1")]
    [InlineData("a")]
    [InlineData("1:a")]
    [InlineData("4294967296")]
    [InlineData("1:4294967296")]
    [InlineData("99999999999999999999")]
    [InlineData("-1")]
    [InlineData("1,")]
    [InlineData(",1")]
    [InlineData("1:2:3")]
    [InlineData("01")]
    [InlineData("*:0")]
    [InlineData("1.5")]
    public async Task Invalid_sequence_sets_get_a_tagged_bad_in_every_command_that_takes_one(string set)
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxBadCommands"] = "100" });
        for (var i = 0; i < 3; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        var commands = new[]
        {
            $"FETCH {set} FLAGS", $"UID FETCH {set} FLAGS", $"STORE {set} +FLAGS (\\Deleted)", $"UID STORE {set} +FLAGS (\\Deleted)",
            $"COPY {set} Trash", $"UID COPY {set} Trash", $"MOVE {set} Trash", $"UID MOVE {set} Trash", $"SEARCH {set}", $"UID SEARCH UID {set}",
            $"UID EXPUNGE {set}",
        };
        for (var i = 0; i < commands.Length; i++)
        {
            var tag = "t" + i.ToString(CultureInfo.InvariantCulture);
            var reply = await client.CommandAsync(tag, commands[i]);
            Assert.True(reply[^1].StartsWith(tag + " BAD ", StringComparison.Ordinal), $"{commands[i]} → {reply[^1]}");
        }

        // Nothing was flagged, copied, moved or expunged.
        Assert.Contains("* STATUS \"Trash\" (MESSAGES 0)", await client.CommandAsync("c", "STATUS Trash (MESSAGES)"));
        Assert.DoesNotContain(@"\Deleted", string.Join("\n", await client.CommandAsync("f", "FETCH 1:* FLAGS")));
        Assert.Equal(3, MaildirSeed.FileCount(server.Maildir()));
    }

    [Fact]
    public async Task The_largest_uid_is_a_valid_number_and_matches_nothing_that_does_not_exist()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");

        // nz-number is any 32-bit value above zero (RFC 3501 §9): 4294967295 is valid syntax.
        var reply = await client.CommandAsync("a", "UID FETCH 4294967295 UID");
        Assert.StartsWith("a OK", reply[^1]);
        Assert.DoesNotContain(reply, l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal));
        var range = await client.CommandAsync("b", "UID FETCH 1:4294967295 UID");
        Assert.Contains("* 1 FETCH (UID 1)", range);
        Assert.StartsWith("c OK", (await client.CommandAsync("c", "UID SEARCH UID 4294967295"))[^1]);
    }

    [Fact]
    public async Task Sequence_numbers_past_the_end_are_bad_but_uids_past_the_end_are_not()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.StartsWith("a BAD", (await client.CommandAsync("a", "FETCH 4 FLAGS"))[^1]);
        Assert.StartsWith("b BAD", (await client.CommandAsync("b", "FETCH 2:4 FLAGS"))[^1]);
        Assert.StartsWith("c BAD", (await client.CommandAsync("c", "STORE 4:* +FLAGS (\\Seen)"))[^1]);
        var uid = await client.CommandAsync("d", "UID FETCH 2:1000 UID");
        Assert.Equal(["* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)"], uid.Where(l => l.StartsWith('*')));
        Assert.StartsWith("d OK", uid[^1]);

        // "*:5" is 3:5 here, "5:*" is the last message: both resolve to UID 3 alone (RFC 3501 §6.4.8).
        Assert.Equal(["* 3 FETCH (UID 3)"], (await client.CommandAsync("e", "UID FETCH 5:* UID")).Where(l => l.StartsWith('*')));
        Assert.Equal(["* 3 FETCH (UID 3)"], (await client.CommandAsync("f", "UID FETCH *:5 UID")).Where(l => l.StartsWith('*')));
        Assert.Contains("* SEARCH 3", await client.CommandAsync("g", "UID SEARCH UID 5:*"));
        Assert.Contains("* SEARCH 1 2 3", await client.CommandAsync("h", "SEARCH 3:1"));
        Assert.Contains("* SEARCH 3", await client.CommandAsync("i", "SEARCH *"));

        // An empty mailbox: UID ranges match nothing, "1:*" names no message.
        await client.CommandAsync("x", "SELECT Trash");
        var empty = await client.CommandAsync("j", "UID FETCH 1:* FLAGS");
        Assert.Equal(["j OK"], empty.Select(l => l[..4]));
        Assert.Contains("* SEARCH", await client.CommandAsync("k", "UID SEARCH 1:*"));
    }

    [Theory]
    [InlineData("\"../evil\"")]
    [InlineData("\"../../../etc\"")]
    [InlineData("\"Work/../../x\"")]
    [InlineData("\"/etc\"")]
    [InlineData("\"/\"")]
    [InlineData("\"a/b\"")]
    [InlineData("\"a\\\\b\"")]
    [InlineData("\"..\"")]
    [InlineData("\"a..b\"")]
    [InlineData("\".hidden\"")]
    [InlineData("\"~root\"")]
    [InlineData("{3+}\r\na\0b")]
    [InlineData("{1+}\r\n\0")]
    [InlineData("\"%\"")]
    [InlineData("\"a*\"")]
    [InlineData("\"Work.%\"")]
    [InlineData("\"INBOX.*\"")]
    [InlineData("\"\"")]
    [InlineData("{4+}\r\na\r\nb")]
    public async Task Dangerous_folder_names_are_refused_with_cannot_and_create_nothing(string name)
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await LoginAsync(server);
        var before = AllDirectories(server.MailRoot);
        Assert.StartsWith("a NO [CANNOT] ", (await client.CommandAsync("a", "CREATE " + name))[^1]);
        Assert.StartsWith("b OK", (await client.CommandAsync("b", "CREATE Legit"))[^1]);
        Assert.StartsWith("c NO [CANNOT] ", (await client.CommandAsync("c", "RENAME Legit " + name))[^1]);
        Assert.StartsWith("d NO [CANNOT] ", (await client.CommandAsync("d", "SUBSCRIBE " + name))[^1]);
        var after = AllDirectories(server.MailRoot);

        // Only Legit's own Maildir appeared, inside the user's Maildir.
        var legit = Path.Combine(server.Maildir(), ".Legit");
        Assert.All(after.Except(before), d => Assert.StartsWith(legit, d, StringComparison.Ordinal));
        Assert.True(Directory.Exists(legit));
        Assert.False(File.Exists(Path.Combine(server.Maildir(), "subscriptions")) && File.ReadAllText(Path.Combine(server.Maildir(), "subscriptions")).Contains('\0'));
        var select = await client.CommandAsync("e", "SELECT " + name);
        Assert.Matches(@"^e NO \[(CANNOT|NONEXISTENT)\] ", select[^1]);
        Assert.StartsWith("f OK", (await client.CommandAsync("f", "NOOP"))[^1]);
    }

    private static HashSet<string> AllDirectories(string root) => [.. Directory.GetDirectories(root, "*", SearchOption.AllDirectories)];

    [Fact]
    public async Task Listing_with_path_tricks_in_the_reference_or_pattern_shows_nothing_outside_the_mailbox()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var other = await RawImapClient.ConnectAsync(server.Port);
        await other.CommandAsync("o", $"LOGIN {ImapTestServer.OtherUser} {ImapTestServer.OtherPassword}");
        await other.CommandAsync("p", "CREATE Secret");
        await using var client = await LoginAsync(server);
        foreach (var (reference, pattern) in (ValueTuple<string, string>[])[("../", "*"), ("", "../*"), ("", "../bob/*"), ("/", "*"), ("", "/*"), ("~bob", "*"), ("", "*Secret*")])
        {
            var reply = await client.CommandAsync("l", $"LIST \"{reference}\" \"{pattern}\"");
            Assert.True(reply[^1].StartsWith("l OK", StringComparison.Ordinal) || reply[^1].StartsWith("l NO", StringComparison.Ordinal), reply[^1]);
            Assert.DoesNotContain(reply, l => l.Contains("Secret", StringComparison.Ordinal) || l.Contains("bob", StringComparison.Ordinal) || l.Contains("..", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_pathological_list_pattern_is_answered_quickly()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await LoginAsync(server);
        for (var i = 0; i < 20; i++)
        {
            Assert.StartsWith("c OK", (await client.CommandAsync("c", "CREATE " + new string('a', 40) + i.ToString(CultureInfo.InvariantCulture)))[^1]);
        }

        // A backtracking matcher needs exponential time for "*a*a*a…b" against "aaaa…".
        var pattern = string.Concat(Enumerable.Repeat("*a", 30)) + "*b";
        var watch = Stopwatch.StartNew();
        var reply = await client.CommandAsync("l", $"LIST \"\" \"{pattern}\"");
        watch.Stop();
        Assert.Equal("l OK", reply[^1][..4]);
        Assert.DoesNotContain(reply, l => l.StartsWith("* LIST", StringComparison.Ordinal));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"LIST took {watch.Elapsed}");
    }

    [Fact]
    public async Task Two_hundred_levels_of_hierarchy_are_refused_with_cannot()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await LoginAsync(server);
        var deep = string.Join('.', Enumerable.Range(0, 200).Select(i => "l" + i.ToString(CultureInfo.InvariantCulture)));
        Assert.StartsWith("a NO [CANNOT] ", (await client.CommandAsync("a", $"CREATE \"{deep}\""))[^1]);
        Assert.StartsWith("b NO [CANNOT] ", (await client.CommandAsync("b", $"SELECT \"{deep}\""))[^1]);
        Assert.StartsWith("c OK", (await client.CommandAsync("c", "CREATE Top"))[^1]);
        Assert.StartsWith("d NO [CANNOT] ", (await client.CommandAsync("d", $"RENAME Top \"{deep}\""))[^1]);
        var dots = string.Concat(Enumerable.Repeat(".", 200));
        Assert.StartsWith("e NO [CANNOT] ", (await client.CommandAsync("e", $"CREATE \"a{dots}b\""))[^1]);

        // A 200-level LIST pattern is only a pattern: answered, matching nothing.
        var pattern = string.Join('.', Enumerable.Repeat("%", 200));
        var list = await client.CommandAsync("f", $"LIST \"\" \"{pattern}\"");
        Assert.Equal("f OK", list[^1][..4]);
        Assert.DoesNotContain(list, l => l.StartsWith("* LIST", StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.GetDirectories(server.Maildir()), d => Path.GetFileName(d).StartsWith(".l0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("XYZZY")]
    [InlineData("FOO BAR BAZ")]
    [InlineData("SELECTT INBOX")]
    [InlineData("UID XYZZY 1")]
    [InlineData("UID LIST \"\" *")]
    [InlineData("UID")]
    [InlineData("X-UNKNOWN-EXTENSION (a b)")]
    [InlineData("\u00e9t\u00e9")]
    public async Task Unknown_commands_get_a_tagged_bad_in_every_state(string command)
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("a BAD ", (await client.CommandAsync("a", command))[^1]);
        await client.CommandAsync("l", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");
        Assert.StartsWith("b BAD ", (await client.CommandAsync("b", command))[^1]);
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.StartsWith("c BAD ", (await client.CommandAsync("c", command))[^1]);
        Assert.StartsWith("n OK", (await client.CommandAsync("n", "NOOP"))[^1]);
    }

    [Fact]
    public async Task A_line_without_a_tag_gets_an_untagged_bad_and_one_without_a_command_a_tagged_bad()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        foreach (var line in (string[])["", " ", "*", "(x) NOOP", "+ NOOP", "\"q\" NOOP"])
        {
            await client.SendAsync(line + "\r\n");
            Assert.StartsWith("* BAD ", await client.ReadLineAsync());
        }

        // The tag is readable, so the client is waiting for it (RFC 3501 §7.1.3).
        foreach (var line in (string[])["a", "b ", "c  NOOP", "d (NOOP)", "e \"NOOP\""])
        {
            await client.SendAsync(line + "\r\n");
            Assert.StartsWith(line[0] + " BAD ", await client.ReadLineAsync());
        }

        Assert.StartsWith("n OK", (await client.CommandAsync("n", "NOOP"))[^1]);
    }

    public static TheoryData<string, string> WrongStateCommands => new()
    {
        // Not authenticated: everything but CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, AUTHENTICATE, LOGIN (RFC 3501 §6.1–6.2).
        { "none", "SELECT INBOX" }, { "none", "EXAMINE INBOX" }, { "none", "CREATE x" }, { "none", "DELETE x" }, { "none", "RENAME x y" },
        { "none", "SUBSCRIBE x" }, { "none", "UNSUBSCRIBE x" }, { "none", "LIST \"\" *" }, { "none", "LSUB \"\" *" },
        { "none", "STATUS INBOX (MESSAGES)" }, { "none", "APPEND INBOX {1+}\r\nx" }, { "none", "IDLE" }, { "none", "NAMESPACE" },
        { "none", "ENABLE CONDSTORE" }, { "none", "GETQUOTAROOT INBOX" }, { "none", "GETQUOTA \"\"" }, { "none", "CHECK" }, { "none", "CLOSE" },
        { "none", "UNSELECT" }, { "none", "EXPUNGE" }, { "none", "SEARCH ALL" }, { "none", "FETCH 1 FLAGS" }, { "none", "STORE 1 +FLAGS (\\Seen)" },
        { "none", "COPY 1 INBOX" }, { "none", "MOVE 1 INBOX" }, { "none", "UID FETCH 1 FLAGS" }, { "none", "UID SEARCH ALL" }, { "none", "UID EXPUNGE 1" },
        // Authenticated: the selected-state commands (§6.4) and the not-authenticated ones.
        { "auth", "CHECK" }, { "auth", "CLOSE" }, { "auth", "UNSELECT" }, { "auth", "EXPUNGE" }, { "auth", "SEARCH ALL" }, { "auth", "FETCH 1 FLAGS" },
        { "auth", "STORE 1 +FLAGS (\\Seen)" }, { "auth", "COPY 1 Trash" }, { "auth", "MOVE 1 Trash" }, { "auth", "UID FETCH 1 FLAGS" },
        { "auth", "UID STORE 1 +FLAGS (\\Seen)" }, { "auth", "UID COPY 1 Trash" }, { "auth", "UID MOVE 1 Trash" }, { "auth", "UID SEARCH ALL" },
        { "auth", "UID EXPUNGE 1" }, { "auth", "LOGIN alice x" }, { "auth", "AUTHENTICATE PLAIN" }, { "auth", "STARTTLS" },
        // Selected: the not-authenticated ones.
        { "selected", "LOGIN alice x" }, { "selected", "AUTHENTICATE PLAIN" }, { "selected", "STARTTLS" },
    };

    [Theory]
    [MemberData(nameof(WrongStateCommands))]
    public async Task Every_command_in_the_wrong_state_gets_a_tagged_bad_and_changes_nothing(string state, string command)
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        if (state != "none")
        {
            await client.CommandAsync("l", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");
        }

        if (state == "selected")
        {
            await client.CommandAsync("s", "SELECT INBOX");
        }

        var reply = await client.CommandAsync("w", command);
        Assert.StartsWith("w BAD ", reply[^1]);
        Assert.DoesNotContain(reply, l => l.StartsWith('+'));

        // The session is still in its state and the mailbox unchanged.
        var after = await client.CommandAsync("n", "NOOP");
        Assert.StartsWith("n OK", after[^1]);
        if (state == "none")
        {
            Assert.StartsWith("c BAD ", (await client.CommandAsync("c", "LIST \"\" *"))[^1]);
        }
        else
        {
            var status = await client.CommandAsync("c", "STATUS INBOX (MESSAGES)");
            Assert.Contains("* STATUS \"INBOX\" (MESSAGES 1)", status);
        }

        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir()));
    }

    [Fact]
    public async Task A_client_pipelining_garbage_is_disconnected_after_max_bad_commands()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxBadCommands"] = "10" });
        await using var client = await LoginAsync(server);
        var garbage = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            garbage.Append(CultureInfo.InvariantCulture, $"g{i} XYZZY {i}\r\n");
        }

        _ = client.SendAsync(garbage.ToString()).ContinueWith(t => t.Exception, TaskScheduler.Default);
        var lines = new List<string>();
        for (var i = 0; i < 11; i++)
        {
            lines.Add(await client.ReadLineAsync());
        }

        Assert.Equal(10, lines.Count(l => l.Contains(" BAD ", StringComparison.Ordinal) && l.StartsWith('g')));
        Assert.StartsWith("* BYE", lines[^1]);
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));
        server.Deliver(MaildirSeed.Message("after", "x\r\n"));
        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task A_huge_literal_announced_is_refused_with_toobig_and_memory_stays_bounded()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxLiteralSize"] = "1048576" });
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        await using var client = await LoginAsync(server);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        // Synchronizing, in APPEND and as an astring: NO [TOOBIG] before any "+", the session goes on (RFC 7889 §4).
        foreach (var (tag, command) in (ValueTuple<string, string>[])[("a", "APPEND INBOX {104857600}"), ("b", "APPEND INBOX (\\Seen) {104857600}"), ("c", "CREATE {104857600}"), ("d", "LOGIN {104857600}")])
        {
            await client.SendAsync(tag + " " + command + "\r\n");
            Assert.Equal($"{tag} NO [TOOBIG] ", (await client.ReadLineAsync())[..(tag.Length + 13)]);
        }

        // A client that sends the 100 MB anyway: the octets are read as an overlong line and skipped without being kept.
        await client.SendAsync("e APPEND INBOX {104857600}\r\n");
        Assert.StartsWith("e NO [TOOBIG]", await client.ReadLineAsync());
        var chunk = new byte[1024 * 1024];
        Array.Fill(chunk, (byte)'x');
        for (var i = 0; i < 100; i++)
        {
            await client.SendRawAsync(chunk);
        }

        await client.SendAsync("\r\n");
        Assert.StartsWith("* BAD ", await client.ReadLineAsync());
        var used = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        output.WriteLine($"live managed memory after 100 MB sent: {used / 1024} KiB above the baseline");
        Assert.True(used < 32L * 1024 * 1024, $"live memory grew by {used / (1024 * 1024)} MB while 100 MB were sent");
        Assert.StartsWith("f OK", (await client.CommandAsync("f", "NOOP"))[^1]);
        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir()));

        // Non-synchronizing (LITERAL+): the octets are already on their way, so BAD [TOOBIG] and close (RFC 7888 §4).
        await using var plus = await LoginAsync(server);
        await plus.SendAsync("g APPEND INBOX {104857600+}\r\n");
        var sending = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 100; i++)
                {
                    await plus.SendRawAsync(chunk);
                }
            }
            catch (IOException)
            {
                // The server closed: expected.
            }
        });
        Assert.StartsWith("g BAD [TOOBIG]", await plus.ReadLineAsync());
        Assert.StartsWith("* BYE", await plus.ReadLineAsync());
        Assert.True(await plus.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));
        await sending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir()));
        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task A_large_append_goes_to_an_unlinked_file_while_it_arrives_and_is_stored_whole()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:LiteralMemoryLimit"] = "65536" });
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        var spill = Path.Combine(server.SpoolRoot, "imap");

        // Before login a literal never goes to disk (the folder is not even made), whatever its size.
        await using (var anonymous = await RawImapClient.ConnectAsync(server.Port))
        {
            await anonymous.SendAsync("x LOGIN {300000}\r\n");
            Assert.StartsWith("+ ", await anonymous.ReadLineAsync());
            await anonymous.SendRawAsync(Encoding.ASCII.GetBytes(new string('u', 300_000) + " \"nope\"\r\n"));
            Assert.StartsWith("x NO ", await anonymous.ReadLineAsync());
        }

        Assert.False(Directory.Exists(spill), "a literal was spilled before login");

        // 24 MiB in APPEND: part way through, the octets are in a file nobody else can see, not in memory.
        const int size = 24 * 1024 * 1024;
        var message = Encoding.ASCII.GetBytes("Subject: large\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('m', 1022) + "\r\n", size / 1024)));
        message = message[..size];
        await using var client = await LoginAsync(server);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        await client.SendAsync($"a APPEND INBOX {{{size}}}\r\n");
        Assert.StartsWith("+ ", await client.ReadLineAsync());
        await client.SendRawAsync(message.AsMemory(0, 20 * 1024 * 1024));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (SpilledFiles(spill).Sum() < 19 * 1024 * 1024) // less what the file's buffer holds
        {
            Assert.True(DateTime.UtcNow < deadline, $"19 MiB never reached an unlinked file in {spill}: {string.Join(", ", SpilledFiles(spill))}");
            await Task.Delay(20);
        }

        var used = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        output.WriteLine($"live managed memory with 20 MiB of an APPEND received: {used / 1024} KiB above the baseline");
        Assert.True(used < 8L * 1024 * 1024, $"live memory grew by {used / (1024 * 1024)} MB during a 24 MiB APPEND");
        Assert.Empty(Directory.GetFiles(spill));

        await client.SendRawAsync(message.AsMemory(20 * 1024 * 1024));
        await client.SendAsync("\r\n");
        Assert.StartsWith("a OK [APPENDUID ", await client.ReadLineAsync());
        var stored = Directory.GetFiles(Path.Combine(server.Maildir(), "cur")).Select(File.ReadAllBytes).Single(b => b.Length == size);
        Assert.True(stored.AsSpan().SequenceEqual(message));
        Assert.Empty(SpilledFiles(spill));

        // A spilled literal in a command that wants bytes (SEARCH) is read back from its file.
        Assert.StartsWith("s0 OK", (await client.CommandAsync("s0", "SELECT INBOX"))[^1]);
        await client.SendAsync("s1 SEARCH BODY {300000}\r\n");
        Assert.StartsWith("+ ", await client.ReadLineAsync());
        await client.SendRawAsync(Encoding.ASCII.GetBytes(new string('q', 300_000) + "\r\n"));
        var search = await client.ReadUntilTaggedAsync("s1");
        Assert.Equal("* SEARCH", search[0]);
        Assert.StartsWith("s1 OK", search[^1]);

        // A client that goes away in the middle of a literal leaves no open file behind.
        var quitter = await LoginAsync(server);
        await quitter.SendAsync($"q APPEND INBOX {{{size}}}\r\n");
        Assert.StartsWith("+ ", await quitter.ReadLineAsync());
        await quitter.SendRawAsync(message.AsMemory(0, 4 * 1024 * 1024));
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (SpilledFiles(spill).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the quitter's literal never reached a file");
            await Task.Delay(20);
        }

        await quitter.DisposeAsync();
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (SpilledFiles(spill).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the file of an abandoned literal is still open");
            await Task.Delay(20);
        }

        Assert.Equal(2, MaildirSeed.FileCount(server.Maildir()));
        await AssertHealthyAsync(server);
    }

    /// <summary>The sizes of this process's open files that were in <paramref name="folder"/> and are unlinked.</summary>
    private static List<long> SpilledFiles(string folder)
    {
        var files = new List<long>();
        foreach (var fd in new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos())
        {
            try
            {
                if (fd.LinkTarget is { } target && target.StartsWith(folder + "/", StringComparison.Ordinal) && target.EndsWith(" (deleted)", StringComparison.Ordinal))
                {
                    // The link's own stat says 64 octets; the file behind it is reopened for its length.
                    using var handle = File.OpenHandle(fd.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    files.Add(RandomAccess.GetLength(handle));
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }

        return files;
    }

    [Fact]
    public async Task A_client_that_pipelines_ten_thousand_commands_and_never_reads_is_dropped_while_others_are_served()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:OutputTimeout"] = "00:00:03" });
        server.Deliver(MaildirSeed.Message("big", string.Concat(Enumerable.Repeat(new string('z', 998) + "\r\n", 64))));
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        var hostile = await LoginAsync(server);
        await hostile.CommandAsync("s", "SELECT INBOX");
        var commands = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            commands.Append(CultureInfo.InvariantCulture, $"p{i} FETCH 1 BODY.PEEK[]\r\n");
        }

        // 10,000 × 64 KB would be 640 MB of answers; the client reads none of them.
        var started = Stopwatch.StartNew();
        var send = hostile.SendAsync(commands.ToString());
        _ = send.ContinueWith(t => t.Exception, TaskScheduler.Default);
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Another session is served while the hostile one is stuck.
        await using (var other = await LoginAsync(server))
        {
            await other.CommandAsync("s", "SELECT INBOX");
            var fetch = await other.CommandAsync("f", "FETCH 1 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
            Assert.Contains("Subject: big", fetch[0]);
            Assert.StartsWith("f OK", fetch[^1]);
        }

        var used = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        output.WriteLine($"live managed memory with a stuck client and 10,000 commands pipelined: {used / 1024} KiB above the baseline");
        Assert.True(used < 64L * 1024 * 1024, $"live memory grew by {used / (1024 * 1024)} MB for a client that does not read");

        // Only read after the output timeout has surely passed: reading earlier would unblock the server.
        var wait = TimeSpan.FromSeconds(8) - started.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.True(await hostile.IsClosedByServerAsync(TimeSpan.FromSeconds(30)), "the server dropped the client that did not read");
        await hostile.DisposeAsync();
        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_refused_and_the_connection_closed()
    {
        // Bytes sent in the clear after STARTTLS would otherwise be run inside the TLS session (CVE-2011-0411 class, RFC 7817 §3.1).
        await using var server = await ImapTestServer.StartAsync(new() { ["Facteur:AllowPlaintextAuth"] = "false" });
        await using var client = await RawImapClient.ConnectAsync(server.Port);
        await client.SendAsync($"a STARTTLS\r\nb LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"\r\n");
        var refusal = await client.ReadLineAsync();
        Assert.StartsWith("a BAD ", refusal);
        Assert.Contains("pipelined", refusal, StringComparison.OrdinalIgnoreCase);
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));

        // Without the injection STARTTLS works, and only then may the client log in.
        using var mailkit = new MailKit.Net.Imap.ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await mailkit.ConnectAsync("127.0.0.1", server.Port, MailKit.Security.SecureSocketOptions.StartTls);
        Assert.True(mailkit.IsSecure);
        await mailkit.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        Assert.True(mailkit.IsAuthenticated);
        await mailkit.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_command_made_of_endless_tiny_literals_is_cut_off_with_bounded_memory()
    {
        // Each piece is a short line and an empty literal: no line and no literal is over its limit, but the
        // command as a whole is, and must not be buffered without end.
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:MaxLineLength"] = "65536" });
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var client = await LoginAsync(server);
        var piece = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(" {0+}\r\n", 16_384)));
        await client.SendAsync("a SEARCH SUBJECT {0+}\r\n");
        var sent = 0L;
        try
        {
            // 64 MB of pieces at most, bounded in time too.
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 560 && watch.Elapsed < TimeSpan.FromSeconds(60); i++)
            {
                await client.SendRawAsync(piece).WaitAsync(TimeSpan.FromSeconds(10));
                sent += piece.Length;
            }
        }
        catch (Exception exception) when (exception is IOException or TimeoutException)
        {
            // The server closed, or stopped reading: both bound what it holds.
        }

        var used = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        output.WriteLine($"sent {sent / (1024 * 1024)} MB of empty literals; live managed memory {used / 1024} KiB above the baseline");
        Assert.True(used < 32L * 1024 * 1024, $"live memory grew by {used / (1024 * 1024)} MB");
        await client.DisposeAsync();
        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task Search_keys_nested_thirty_thousand_deep_get_a_bad_not_a_stack_overflow()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("one", "x\r\n"));
        await using var client = await LoginAsync(server);
        await client.CommandAsync("s", "SELECT INBOX");
        var parentheses = new string('(', 30_000) + "ALL" + new string(')', 30_000);
        Assert.StartsWith("a BAD ", (await client.CommandAsync("a", "SEARCH " + parentheses))[^1]);
        var nots = string.Concat(Enumerable.Repeat("NOT ", 15_000)) + "ALL";
        Assert.StartsWith("b BAD ", (await client.CommandAsync("b", "SEARCH " + nots))[^1]);
        var ors = string.Concat(Enumerable.Repeat("OR ALL ", 9_000)) + "ALL";
        Assert.StartsWith("c BAD ", (await client.CommandAsync("c", "SEARCH " + ors))[^1]);

        // A reasonable nesting is still fine.
        Assert.Contains("* SEARCH 1", await client.CommandAsync("d", "SEARCH " + new string('(', 20) + "ALL" + new string(')', 20)));
        await AssertHealthyAsync(server);
    }

    [Fact]
    public async Task A_message_nested_five_thousand_multiparts_deep_is_served_without_crashing()
    {
        await using var server = await ImapTestServer.StartAsync();
        var message = new StringBuilder("From: deep@example.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
        for (var i = 0; i < 5_000; i++)
        {
            message.Append(CultureInfo.InvariantCulture, $"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n");
        }

        message.Append("Content-Type: text/plain\r\n\r\nbottom\r\n");
        for (var i = 4_999; i >= 0; i--)
        {
            message.Append(CultureInfo.InvariantCulture, $"--b{i}--\r\n");
        }

        server.Deliver(message.ToString());
        server.Deliver(MaildirSeed.Message("plain", "x\r\n"));
        await using var client = await LoginAsync(server);
        Assert.Contains("* 2 EXISTS", await client.CommandAsync("s", "SELECT INBOX"));
        foreach (var (tag, command) in (ValueTuple<string, string>[])[("a", "FETCH 1 (BODYSTRUCTURE)"), ("b", "FETCH 1 (ENVELOPE BODY)"), ("c", "FETCH 1 BODY.PEEK[1.1.1.1]"), ("d", "SEARCH TEXT bottom"), ("e", "SEARCH BODY nothing-like-this")])
        {
            var reply = await client.CommandAsync(tag, command);
            Assert.StartsWith(tag + " OK", reply[^1]);
        }

        Assert.StartsWith("f OK", (await client.CommandAsync("f", "FETCH 2 (BODYSTRUCTURE)"))[^1]);
        await AssertHealthyAsync(server);
    }
}
