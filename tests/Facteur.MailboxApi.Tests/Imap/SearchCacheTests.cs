using System.Text;
using Facteur.MailboxApi.Imap.Search;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Index;
using Facteur.MailStore.Tests.Index;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// SEARCH answered from the in-memory header cache (<see cref="SearchHeaderCache"/>) and by streaming
/// text parts (<see cref="TextPartScan"/>) must give exactly what reading and decoding each file gives
/// (RFC 3501 §6.4.4: case-insensitive substring of the decoded field or text), on messages that are
/// easy to get wrong: encoded words, groups, comments, folded and repeated fields, missing headers,
/// base64/quoted-printable/ISO-8859-1/UTF-16 bodies, bare LF files, a needle across a read boundary.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SearchCacheTests
{
    private static string Base64(byte[] bytes) => Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\r\n";

    /// <summary>The corpus, delivered in this order (sequence number = index + 1).</summary>
    private static readonly string[] Corpus =
    [
        // 1: encoded-word subject, quoted display name.
        "From: \"Ann Example\" <ann@example.test>\r\nTo: bob@example.test\r\nSubject: =?UTF-8?B?Q2Fmw6k=?= report\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nplain body about ziguinchor\r\n",
        // 2: group syntax, an empty group in Cc, Bcc.
        "From: carol@example.test\r\nTo: Team: a@example.test, \"Bee Cee\" <bcee@example.test>;\r\nCc: undisclosed-recipients:;\r\nBcc: secret@example.test\r\nSubject: group call\r\nDate: 8 Feb 1994 10:00:00 +0100\r\n\r\nBody with Dakar\r\n",
        // 3: none of the usual fields.
        "X-Other: nothing\r\n\r\nno headers at all, ziguinchor\r\n",
        // 4: folded From and Subject.
        "From: Dan\r\n Folded <dan@example.test>\r\nSubject: a long\r\n folded subject line\r\nDate: Tue, 08 Feb 1994 12:00:00 +0000\r\n\r\nbody\r\n",
        // 5: repeated From, Subject and To: every occurrence is searched.
        "From: first@example.test\r\nFrom: second@example.test\r\nSubject: one\r\nSubject: two report\r\nTo: x@example.test\r\nTo: y@example.test\r\n\r\nbody\r\n",
        // 6: a comment in From, an encoded display name in To, raw UTF-8 in Subject.
        "From: alice@example.test (Alice Comment)\r\nTo: =?UTF-8?B?SsO8cmdlbg==?= <j@example.test>\r\nSubject: Caf\u00e9 cr\u00e8me\r\nDate: Wed, 9 Feb 1994 08:00:00 +0000\r\n\r\nbody\r\n",
        // 7: base64 UTF-8 body.
        "From: b64@example.test\r\nSubject: encoded body\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        Base64(Encoding.UTF8.GetBytes("Bonjour de Ziguinchor, caf\u00e9\r\n")),
        // 8: quoted-printable with a soft line break inside the word.
        "From: qp@example.test\r\nSubject: qp\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nzigu=\r\ninchor =C3=A9t=C3=A9\r\n",
        // 9: multipart: ISO-8859-1 text, HTML, and an attachment (not text: BODY does not look into it).
        "From: multi@example.test\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b9\r\n\r\n--b9\r\n" +
        "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64(Encoding.Latin1.GetBytes("Dakar \u00e9t\u00e9\r\n")) +
        "--b9\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Thies</p>\r\n" +
        "--b9\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64(Encoding.ASCII.GetBytes("ziguinchor secret")) + "--b9--\r\n",
        // 10: UTF-16 text (with BOM): the octets cannot be scanned, the text is decoded.
        "From: wide@example.test\r\nSubject: utf16\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-16\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        Base64([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("ziguinchor Paris")]),
        // 11: bare LF line ends.
        "From: lf@example.test\nSubject: bare lf needle\n\nline one\nZIGUINCHOR two\n",
        // 12: HTML without a charset.
        "From: html@example.test\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<b>Lyon</b> ziguinchor\r\n",
        // 13: a needle across the scanner's 16 KB read boundary.
        "From: big@example.test\r\nSubject: big\r\n\r\n" + new string('a', 16382) + "tHiEs\r\n",
    ];

    /// <summary>Commands and the sequence numbers RFC 3501 §6.4.4 gives on <see cref="Corpus"/>.</summary>
    private static readonly (string Command, int[] Expected)[] Searches =
    [
        ("SEARCH CHARSET UTF-8 SUBJECT {5+}\r\ncaf\u00e9", [1, 6]),
        ("SEARCH SUBJECT report", [1, 5]),
        ("SEARCH SUBJECT \"folded subject\"", [4]),
        ("SEARCH FROM \"dan folded\"", [4]),
        ("SEARCH FROM second", [5]),
        ("SEARCH FROM \"alice comment\"", [6]),
        ("SEARCH FROM example.test", [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
        ("SEARCH TO \"bee cee\"", [2]),
        ("SEARCH TO team", [2]),
        ("SEARCH TO y@example", [5]),
        ("SEARCH CHARSET UTF-8 TO {7+}\r\nJ\u00fcrgen", [6]),
        ("SEARCH CC undisclosed", [2]),
        ("SEARCH BCC SECRET", [2]),
        ("SEARCH HEADER X-Other noth", [3]),
        ("SEARCH HEADER Subject \"\"", [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 13]),
        ("SEARCH SENTBEFORE 8-Feb-1994", [1]),
        ("SEARCH SENTON 8-Feb-1994", [2, 4]),
        ("SEARCH SENTSINCE 9-Feb-1994", [6]),
        ("SEARCH BODY ziguinchor", [1, 3, 7, 8, 10, 11, 12]),
        ("SEARCH BODY thies", [9, 13]),
        ("SEARCH CHARSET UTF-8 BODY {5+}\r\n\u00e9t\u00e9", [8, 9]),
        ("SEARCH TEXT dakar", [2, 9]),
        ("SEARCH TEXT ann@example", [1]),
        ("SEARCH NOT FROM example", [3]),
        ("SEARCH OR SUBJECT two FROM carol", [2, 5]),
    ];

    [Fact]
    public async Task Header_and_text_keys_give_the_same_answers_with_the_cache_absent_present_and_stale()
    {
        await using var server = await ImapTestServer.StartAsync();
        foreach (var message in Corpus)
        {
            server.Deliver(message);
        }

        var folder = await OpenInboxAsync(server);
        await using (var client = await LoginAsync(server))
        {
            foreach (var (command, expected) in Searches)
            {
                SearchHeaderCache.Forget(folder);
                Assert.Equal(expected, await SearchAsync(client, command)); // absent: read from the files
                Assert.NotNull(SearchHeaderCache.Find(folder, folder.State.Messages[0]));
                Assert.Equal(expected, await SearchAsync(client, command)); // present
            }

            await client.CommandAsync("Z", "LOGOUT");
        }

        // Stale: the folder is rebuilt from scratch with the same messages in reverse order, so each
        // UID now names another file; the entries kept under those UIDs must not answer for them.
        foreach (var file in Directory.EnumerateFiles(server.Maildir(), "*", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }

        foreach (var message in Corpus.Reverse())
        {
            server.Deliver(message);
        }

        await using (var client = await LoginAsync(server))
        {
            foreach (var (command, expected) in Searches)
            {
                Assert.Equal(expected.Select(n => Corpus.Length + 1 - n).Order(), await SearchAsync(client, command));
            }

            await client.CommandAsync("Z", "LOGOUT");
        }
    }

    [Fact]
    public async Task Text_search_populates_the_header_cache_on_the_way()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(Corpus[0]);
        server.Deliver(Corpus[4]);
        var folder = await OpenInboxAsync(server);
        await using var client = await LoginAsync(server);
        SearchHeaderCache.Forget(folder);
        var found = await SearchAsync(client, "SEARCH TEXT ziguinchor");
        Assert.Equal(new[] { 1 }, found);
        var second = folder.State.Messages[1];
        Assert.Equal(["first@example.test", "second@example.test"], SearchHeaderCache.Find(folder, second)!.Fields.Where(f => f.Field == "From").Select(f => f.Value));

        // A record under the same UID with another Maildir key is a miss, never an answer.
        Assert.Null(SearchHeaderCache.Find(folder, second with { Key = second.Key + "x" }));
        await client.CommandAsync("Z", "LOGOUT");
    }

    [Theory]
    [InlineData("FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])")]
    [InlineData("UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)")]
    [InlineData("FETCH 1:* BODY.PEEK[]")]
    public async Task A_header_fetch_fills_the_cache_and_searches_answer_as_from_the_files(string fetch)
    {
        await using var server = await ImapTestServer.StartAsync();
        foreach (var message in Corpus)
        {
            server.Deliver(message);
        }

        var folder = await OpenInboxAsync(server);
        await using var client = await LoginAsync(server);
        SearchHeaderCache.Forget(folder);
        Assert.StartsWith("f OK", (await client.CommandAsync("f", fetch))[^1]);
        Assert.All(folder.State.Messages, m => Assert.NotNull(SearchHeaderCache.Find(folder, m)));
        var fromFetch = new List<int[]>();
        foreach (var (command, expected) in Searches)
        {
            fromFetch.Add(await SearchAsync(client, command));
        }

        // The same searches with the cache filled by SEARCH itself (MimeKit's header parse of each file).
        SearchHeaderCache.Forget(folder);
        foreach (var ((command, expected), found) in Searches.Zip(fromFetch))
        {
            Assert.Equal(expected, found);
            Assert.Equal(await SearchAsync(client, command), found);
        }

        await client.CommandAsync("Z", "LOGOUT");
    }

    [Theory]
    [InlineData("abcZIGuinchor", "ziguinchor", 3)]
    [InlineData("ziguinchor", "ZIGUINCHOR", 0)]
    [InlineData("zigu inchor", "ziguinchor", -1)]
    [InlineData("xx", "xxx", -1)]
    [InlineData("a1a1A2", "a2", 4)]
    [InlineData("@@@[", "[", 3)]
    public void Ascii_scan_finds_case_insensitive_matches(string haystack, string needle, int expected) =>
        Assert.Equal(expected, TextPartScan.IndexOfIgnoreCase(Encoding.ASCII.GetBytes(haystack), Encoding.ASCII.GetBytes(needle)));

    [Fact]
    public void Only_ascii_needles_without_line_ends_are_scanned_as_octets()
    {
        Assert.True(TextPartScan.CanScan("ziguinchor"));
        Assert.False(TextPartScan.CanScan("\u00e9t\u00e9"));
        Assert.False(TextPartScan.CanScan("line\r\nbreak"));
        Assert.False(TextPartScan.CanScan(string.Empty));
    }

    /// <summary>
    /// The same keys against Debian's Dovecot on the very same Maildir (it reads Facteur's uidlist, so
    /// UIDs agree). Left out where Dovecot departs from RFC 3501 §6.4.4: SENTBEFORE matches "messages
    /// whose Date: header is earlier than the date", and a message without a Date header has none;
    /// Dovecot takes a missing Date as 1 Jan 1970 and so also returns every message without one.
    /// </summary>
    [Fact]
    public async Task Search_keys_agree_with_dovecot_on_the_same_maildir()
    {
        Assert.True(File.Exists(DovecotImap.Binary), "install dovecot-imapd (test.sh does)");
        await using var server = await ImapTestServer.StartAsync();
        foreach (var message in Corpus)
        {
            server.Deliver(message);
        }

        var compared = Searches.Where(s => !DovecotDeparts.Contains(s.Command)).Select(s => "UID " + s.Command).ToList();
        var facteur = new List<string>();
        await using (var client = await LoginAsync(server))
        {
            for (var i = 0; i < compared.Count; i++)
            {
                var lines = await client.CommandAsync("c" + i, compared[i]);
                Assert.StartsWith($"c{i} OK", lines[^1]);
                facteur.Add(Assert.Single(lines, l => l.StartsWith("* SEARCH", StringComparison.Ordinal)));
            }

            await client.CommandAsync("Z", "LOGOUT");
        }

        var script = new StringBuilder("S SELECT INBOX\r\n");
        for (var i = 0; i < compared.Count; i++)
        {
            script.Append('c').Append(i).Append(' ').Append(compared[i]).Append("\r\n");
        }

        script.Append("Z LOGOUT\r\n");
        var output = await DovecotImap.RunAsync(server.Maildir(), script.ToString());
        var dovecot = output.Split("\r\n").Where(l => l.StartsWith("* SEARCH", StringComparison.Ordinal)).ToList();
        Assert.True(dovecot.Count == compared.Count, output);
        var differences = compared.Select((c, i) => (c, facteur[i], dovecot[i])).Where(d => d.Item2 != d.Item3)
            .Select(d => $"{d.c}\n  facteur: {d.Item2}\n  dovecot: {d.Item3}").ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    /// <summary>Keys where Dovecot's answer departs from RFC 3501 (see the test above).</summary>
    private static readonly HashSet<string> DovecotDeparts = ["SEARCH SENTBEFORE 8-Feb-1994"];

    private static async Task<MailFolder> OpenInboxAsync(ImapTestServer server)
    {
        var store = server.Services.GetRequiredService<MessageStore>();
        var folder = await store.OpenUser(ImapTestServer.User).OpenFolderAsync("INBOX");
        await folder.SyncAsync();
        return folder;
    }

    private static async Task<RawImapClient> LoginAsync(ImapTestServer server)
    {
        var client = await RawImapClient.ConnectAsync(server.Port);
        await client.CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");
        Assert.StartsWith("S OK", (await client.CommandAsync("S", "SELECT INBOX"))[^1]);
        return client;
    }

    private static async Task<int[]> SearchAsync(RawImapClient client, string command)
    {
        var lines = await client.CommandAsync("s", command);
        Assert.True(lines[^1].StartsWith("s OK", StringComparison.Ordinal), command + " → " + string.Join(" | ", lines));
        var result = Assert.Single(lines, l => l.StartsWith("* SEARCH", StringComparison.Ordinal));
        return result.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(int.Parse).ToArray();
    }
}
