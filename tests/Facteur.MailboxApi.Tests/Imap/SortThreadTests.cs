using System.Globalization;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>SORT, ESORT, SORT=DISPLAY and THREAD (RFC 5256, 5267, 5957) over real sockets: raw commands, MailKit, Python's imaplib.</summary>
public sealed class SortThreadTests
{
    /// <summary>
    /// Four messages chosen so that every sort key gives a different order. A filler message is
    /// delivered first and expunged, so UIDs (2–5) differ from sequence numbers (1–4).
    /// Internal dates (file mtimes): 1 → Mar 4, 2 → Mar 1, 3 → Mar 3, 4 → Mar 2 (2024).
    /// </summary>
    private static async Task<(ImapTestServer Server, RawImapClient Client)> SortFixtureAsync()
    {
        var server = await ImapTestServer.StartAsync();
        Deliver(server, "Subject: filler\r\nMessage-ID: <filler@t>\r\n", 10, new DateTime(2024, 2, 1));
        Deliver(server, "From: \"Zed\" <zed@a.test>\r\nTo: bob@x.test\r\nCc: carol@x.test\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\nSubject: Apple\r\nMessage-ID: <1@t>\r\n", 4000, new DateTime(2024, 3, 4));
        // 09:00 -0300 is 12:00 UTC: after message 1 although its local time is earlier (§2.2 compares in UTC).
        Deliver(server, "From: \"Alice\" <yann@b.test>\r\nTo: amy@x.test\r\nDate: Mon, 01 Jan 2024 09:00:00 -0300\r\nSubject: Re: Banana\r\nMessage-ID: <2@t>\r\n", 1000, new DateTime(2024, 3, 1));
        Deliver(server, "From: bob@c.test\r\nTo: zoe@x.test\r\nCc: al@x.test\r\nDate: Sun, 31 Dec 2023 23:00:00 +0000\r\nSubject: [list] Fwd: apple (fwd)\r\nMessage-ID: <3@t>\r\n", 3000, new DateTime(2024, 3, 3));
        // No Date header: DATE falls back to the internal date (§2.2).
        Deliver(server, "From: \"Bob\" <abe@d.test>\r\nSubject: cherry\r\nMessage-ID: <4@t>\r\n", 2000, new DateTime(2024, 3, 2));
        var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
        await client.CommandAsync("S", "SELECT INBOX");
        await client.CommandAsync("F", @"STORE 1 +FLAGS.SILENT (\Deleted)");
        Assert.Contains("* 1 EXPUNGE", await client.CommandAsync("X", "EXPUNGE"));
        return (server, client);
    }

    private static void Deliver(ImapTestServer server, string headers, int bodySize, DateTime internalDate)
    {
        var key = server.Deliver(headers + "\r\n" + new string('x', bodySize) + "\r\n");
        File.SetLastWriteTimeUtc(Path.Combine(server.Maildir(), "new", key), internalDate);
    }

    private static string Untagged(List<string> lines, string prefix) => Assert.Single(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));

    [Theory]
    [InlineData("(DATE)", "3 1 2 4")]
    [InlineData("(ARRIVAL)", "2 4 3 1")]
    [InlineData("(FROM)", "4 3 2 1")]
    [InlineData("(TO)", "4 2 1 3")]
    [InlineData("(CC)", "2 4 3 1")]
    [InlineData("(SUBJECT)", "1 3 2 4")]
    [InlineData("(SIZE)", "2 4 3 1")]
    [InlineData("(REVERSE SIZE)", "1 3 4 2")]
    [InlineData("(SUBJECT DATE)", "3 1 2 4")]
    [InlineData("(REVERSE SUBJECT)", "4 2 1 3")]
    [InlineData("(DISPLAYFROM)", "2 4 3 1")]
    [InlineData("(DISPLAYTO)", "4 2 1 3")]
    public async Task Sort_orders_by_each_key_with_sequence_number_as_final_tie_break(string criteria, string expected)
    {
        var (server, client) = await SortFixtureAsync();
        await using (server)
        await using (client)
        {
            var lines = await client.CommandAsync("a", $"SORT {criteria} UTF-8 ALL");
            Assert.StartsWith("a OK", lines[^1]);
            Assert.Equal("* SORT " + expected, Untagged(lines, "* SORT"));
        }
    }

    [Fact]
    public async Task Uid_sort_returns_uids_and_search_criteria_filter_the_set()
    {
        var (server, client) = await SortFixtureAsync();
        await using (server)
        await using (client)
        {
            Assert.Equal("* SORT 4 2 3 5", Untagged(await client.CommandAsync("a", "UID SORT (DATE) US-ASCII ALL"), "* SORT"));
            Assert.Equal("* SORT 3 1", Untagged(await client.CommandAsync("b", "SORT (DATE) UTF-8 SUBJECT apple"), "* SORT"));
            Assert.Equal("* SORT", Untagged(await client.CommandAsync("c", "SORT (DATE) UTF-8 SUBJECT nothing-matches"), "* SORT"));
            Assert.StartsWith("d NO [BADCHARSET", (await client.CommandAsync("d", "SORT (DATE) KOI8-R ALL"))[^1]);
            Assert.StartsWith("e BAD", (await client.CommandAsync("e", "SORT (SHOESIZE) UTF-8 ALL"))[^1]);
            Assert.StartsWith("f BAD", (await client.CommandAsync("f", "SORT (DATE REVERSE) UTF-8 ALL"))[^1]);
            Assert.StartsWith("g BAD", (await client.CommandAsync("g", "SORT () UTF-8 ALL"))[^1]);
        }
    }

    [Fact]
    public async Task Esort_return_options_follow_sort_order()
    {
        var (server, client) = await SortFixtureAsync();
        await using (server)
        await using (client)
        {
            Assert.Equal("* ESEARCH (TAG \"a\") MIN 3 MAX 4 COUNT 4 ALL 3,1,2,4", Untagged(await client.CommandAsync("a", "SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL"), "* ESEARCH"));
            Assert.Equal("* ESEARCH (TAG \"b\") UID COUNT 2", Untagged(await client.CommandAsync("b", "UID SORT RETURN (COUNT) (DATE) UTF-8 SUBJECT apple"), "* ESEARCH"));
        }
    }

    [Fact]
    public async Task Capabilities_advertise_sort_and_thread()
    {
        var (server, client) = await SortFixtureAsync();
        await using (server)
        await using (client)
        {
            var caps = Untagged(await client.CommandAsync("a", "CAPABILITY"), "* CAPABILITY").Split(' ');
            foreach (var cap in (string[])["SORT", "SORT=DISPLAY", "ESORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"])
            {
                Assert.Contains(cap, caps);
            }
        }
    }

    /// <summary>
    /// Ten messages exercising REFERENCES: a reply tree (1 → 2 → 3, 1 → 4), a missing parent kept as a
    /// dummy with two children (5, 6), a reply without References joined by subject (7 under 1), a
    /// reply by In-Reply-To only (9 under 7), and two unrelated non-replies with one subject (8, 10)
    /// gathered under a dummy. Message 8 is the oldest. UIDs are sequence numbers + 1.
    /// </summary>
    private static async Task<(ImapTestServer Server, RawImapClient Client)> ThreadFixtureAsync()
    {
        var server = await ImapTestServer.StartAsync();
        server.Deliver("Subject: filler\r\nMessage-ID: <filler@t>\r\n\r\nx\r\n");
        void Add(string id, string refs, string subject, string date) =>
            server.Deliver($"From: someone@example.test\r\nMessage-ID: <{id}@t>\r\n{refs}Subject: {subject}\r\nDate: {date}\r\n\r\nbody\r\n");
        Add("a", string.Empty, "Plan", "Mon, 01 Jan 2024 10:00:00 +0000");
        Add("b", "References: <a@t>\r\n", "Re: Plan", "Tue, 02 Jan 2024 10:00:00 +0000");
        Add("c", "References: <a@t> <b@t>\r\n", "Re: Plan", "Wed, 03 Jan 2024 10:00:00 +0000");
        Add("d", "References: <a@t>\r\n", "RE: plan", "Thu, 04 Jan 2024 10:00:00 +0000");
        Add("e", "References: <missing@t>\r\n", "Lunch", "Fri, 05 Jan 2024 10:00:00 +0000");
        Add("f", "References: <missing@t>\r\n", "Re: Lunch", "Sat, 06 Jan 2024 10:00:00 +0000");
        Add("g", string.Empty, "Re: Plan", "Sun, 07 Jan 2024 10:00:00 +0000");
        Add("h", string.Empty, "Solo", "Sun, 31 Dec 2023 10:00:00 +0000");
        Add("i", "In-Reply-To: <g@t>\r\n", "Re: Plan", "Mon, 08 Jan 2024 10:00:00 +0000");
        Add("j", string.Empty, "Solo", "Tue, 09 Jan 2024 10:00:00 +0000");
        var client = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
        await client.CommandAsync("S", "SELECT INBOX");
        await client.CommandAsync("F", @"STORE 1 +FLAGS.SILENT (\Deleted)");
        await client.CommandAsync("X", "EXPUNGE");
        return (server, client);
    }

    [Fact]
    public async Task Thread_references_links_replies_keeps_dummies_and_gathers_by_subject()
    {
        var (server, client) = await ThreadFixtureAsync();
        await using (server)
        await using (client)
        {
            var lines = await client.CommandAsync("a", "THREAD REFERENCES UTF-8 ALL");
            Assert.StartsWith("a OK", lines[^1]);
            Assert.Equal("* THREAD ((8)(10))(1 (2 3)(4)(7 9))((5)(6))", Untagged(lines, "* THREAD"));
            Assert.Equal("* THREAD ((9)(11))(2 (3 4)(5)(8 10))((6)(7))", Untagged(await client.CommandAsync("b", "UID THREAD REFERENCES UTF-8 ALL"), "* THREAD"));
            // Only matching messages take part: without 1, its replies hang under a dummy for <a@t>, which
            // stays because it has two children at the top level (step 3).
            Assert.Equal("* THREAD ((2 3)(4))", Untagged(await client.CommandAsync("c", "THREAD REFERENCES UTF-8 2:4"), "* THREAD"));
            Assert.Equal("* THREAD", Untagged(await client.CommandAsync("d", "THREAD REFERENCES UTF-8 SUBJECT nothing-matches"), "* THREAD"));
            Assert.StartsWith("e BAD", (await client.CommandAsync("e", "THREAD SPAGHETTI UTF-8 ALL"))[^1]);
            Assert.StartsWith("f NO [BADCHARSET", (await client.CommandAsync("f", "THREAD REFERENCES ISO-2022-JP ALL"))[^1]);
        }
    }

    [Fact]
    public async Task Thread_orderedsubject_groups_by_base_subject_under_the_first_message()
    {
        var (server, client) = await ThreadFixtureAsync();
        await using (server)
        await using (client)
        {
            Assert.Equal("* THREAD (8 10)(1 (2)(3)(4)(7)(9))(5 6)", Untagged(await client.CommandAsync("a", "THREAD ORDEREDSUBJECT UTF-8 ALL"), "* THREAD"));
            Assert.Equal("* THREAD (9 11)(2 (3)(4)(5)(8)(10))(6 7)", Untagged(await client.CommandAsync("b", "UID THREAD ORDEREDSUBJECT US-ASCII ALL"), "* THREAD"));
        }
    }

    [Fact]
    public async Task Mailkit_sorts_and_threads()
    {
        var (server, raw) = await ThreadFixtureAsync();
        await using (server)
        await using (raw)
        {
            using var client = new ImapClient();
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
            Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Sort));
            Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Thread));
            Assert.Contains(ThreadingAlgorithm.References, client.ThreadingAlgorithms);
            Assert.Contains(ThreadingAlgorithm.OrderedSubject, client.ThreadingAlgorithms);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);

            var byDate = await client.Inbox.SortAsync(SearchQuery.All, [OrderBy.Date]);
            Assert.Equal([9u, 2, 3, 4, 5, 6, 7, 8, 10, 11], byDate.Select(u => u.Id));
            var byReverseDate = await client.Inbox.SortAsync(SearchQuery.SubjectContains("Plan"), [OrderBy.ReverseDate]);
            Assert.Equal([10u, 8, 5, 4, 3, 2], byReverseDate.Select(u => u.Id));

            var threads = await client.Inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.All);
            Assert.Equal("((9)(11))(2 (3 4)(5)(8 10))((6)(7))", string.Concat(threads.Select(t => "(" + Describe(t) + ")")));
            await client.DisconnectAsync(true);
        }
    }

    /// <summary>A MailKit thread back in the RFC's thread-list form (UIDs).</summary>
    private static string Describe(MessageThread thread)
    {
        var head = thread.UniqueId is { } uid ? uid.Id.ToString(CultureInfo.InvariantCulture) : null;
        var children = thread.Children;
        if (head is null)
        {
            return string.Concat(children.Select(c => "(" + Describe(c) + ")"));
        }

        return children.Count switch
        {
            0 => head,
            1 => head + " " + Describe(children[0]),
            _ => head + " " + string.Concat(children.Select(c => "(" + Describe(c) + ")")),
        };
    }

    private const string ImaplibScript = """
import imaplib, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
M = imaplib.IMAP4('127.0.0.1', port)
M.login(user, password)
M.select('INBOX', readonly=True)
typ, data = M.sort('(REVERSE DATE)', 'UTF-8', 'ALL')
print('sort=' + typ + ' ' + data[0].decode())
typ, data = M.uid('SORT', '(SUBJECT)', 'UTF-8', 'ALL')
print('uidsort=' + typ + ' ' + data[0].decode())
typ, data = M.thread('REFERENCES', 'UTF-8', 'ALL')
print('thread=' + typ + ' ' + data[0].decode())
typ, data = M.uid('THREAD', 'ORDEREDSUBJECT', 'UTF-8', 'SINCE', '1-Jan-2000')
print('uidthread=' + typ + ' ' + data[0].decode())
M.logout()
""";

    [Fact]
    public async Task Imaplib_sorts_and_threads()
    {
        var (server, raw) = await ThreadFixtureAsync();
        await using (server)
        await using (raw)
        {
            var output = await Python.RunAsync(ImaplibScript, server.Port.ToString(CultureInfo.InvariantCulture), ImapTestServer.User, ImapTestServer.Password);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
            Assert.Equal("OK 10 9 7 6 5 4 3 2 1 8", lines["sort"]);
            // Base subjects: Lunch (6, 7), Plan (2, 3, 4, 5, 8, 10), Solo (9, 11); ties by sequence.
            Assert.Equal("OK 6 7 2 3 4 5 8 10 9 11", lines["uidsort"]);
            Assert.Equal("OK ((8)(10))(1 (2 3)(4)(7 9))((5)(6))", lines["thread"]);
            Assert.Equal("OK (9 11)(2 (3)(4)(5)(8)(10))(6 7)", lines["uidthread"]);
        }
    }
}
