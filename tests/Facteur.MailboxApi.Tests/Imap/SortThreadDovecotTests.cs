using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Tests.Index;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// SORT and THREAD answers compared with Debian's Dovecot (the anchor Facteur replaces) on the very same
/// Maildir: Dovecot reads Facteur's dovecot-uidlist, so UIDs match and UID SORT / UID THREAD must agree.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SortThreadDovecotTests
{
    private static readonly string[] Commands =
    [
        "UID SORT (DATE) UTF-8 ALL",
        "UID SORT (ARRIVAL) UTF-8 ALL",
        "UID SORT (FROM) UTF-8 ALL",
        "UID SORT (TO) UTF-8 ALL",
        "UID SORT (CC) UTF-8 ALL",
        "UID SORT (SUBJECT) UTF-8 ALL",
        "UID SORT (SIZE) UTF-8 ALL",
        "UID SORT (REVERSE DATE) UTF-8 ALL",
        "UID SORT (SUBJECT REVERSE SIZE) UTF-8 ALL",
        "UID SORT (DISPLAYFROM) UTF-8 ALL",
        "UID SORT (DISPLAYTO) UTF-8 ALL",
        "UID SORT (DATE) UTF-8 SUBJECT plan",
        "UID THREAD ORDEREDSUBJECT UTF-8 ALL",
        "UID THREAD REFERENCES UTF-8 ALL",
        "UID THREAD REFERENCES UTF-8 NOT SUBJECT solo",
    ];

    [Fact]
    public async Task Uid_sort_and_uid_thread_agree_with_dovecot_on_the_same_maildir()
    {
        Assert.True(File.Exists(DovecotImap.Binary), "install dovecot-imapd (test.sh does)");
        await using var server = await ImapTestServer.StartAsync();
        var day = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var n = 0;
        void Add(string headers, int bodySize)
        {
            var key = server.Deliver(headers + "\r\n" + new string('x', bodySize) + "\r\n");
            File.SetLastWriteTimeUtc(Path.Combine(server.Maildir(), "new", key), day.AddHours(7 * (++n % 5)).AddMinutes(n));
        }

        Add("Subject: filler\r\n", 10);
        Add("From: \"Zed\" <zed@a.test>\r\nTo: bob@x.test\r\nCc: carol@x.test\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\nSubject: Apple\r\nMessage-ID: <1@t>\r\n", 4000);
        Add("From: \"Alice\" <yann@b.test>\r\nTo: amy@x.test\r\nDate: Mon, 01 Jan 2024 09:00:00 -0300\r\nSubject: Re: Banana\r\nMessage-ID: <2@t>\r\n", 1000);
        Add("From: bob@c.test\r\nTo: \"Zoe\" <zoe@x.test>\r\nCc: al@x.test\r\nDate: Sun, 31 Dec 2023 23:00:00 +0000\r\nSubject: [list] Fwd: apple (fwd)\r\nMessage-ID: <3@t>\r\n", 3000);
        Add("From: \"Bob\" <abe@d.test>\r\nSubject: cherry\r\nMessage-ID: <4@t>\r\n", 2000);
        void Thread(string id, string refs, string subject, string date, int size) =>
            Add($"From: \"P{id}\" <{id}@people.test>\r\nTo: list@x.test\r\nMessage-ID: <{id}@t>\r\n{refs}Subject: {subject}\r\nDate: {date}\r\n", size);
        Thread("a", string.Empty, "Plan", "Mon, 01 Jan 2024 10:00:00 +0000", 100);
        Thread("b", "References: <a@t>\r\n", "Re: Plan", "Tue, 02 Jan 2024 10:00:00 +0000", 200);
        Thread("c", "References: <a@t> <b@t>\r\n", "Re: Plan", "Wed, 03 Jan 2024 10:00:00 +0000", 300);
        Thread("d", "References: <a@t>\r\n", "RE: plan", "Thu, 04 Jan 2024 10:00:00 +0000", 400);
        Thread("e", "References: <missing@t>\r\n", "Lunch", "Fri, 05 Jan 2024 10:00:00 +0000", 500);
        Thread("f", "References: <missing@t>\r\n", "Re: Lunch", "Sat, 06 Jan 2024 10:00:00 +0000", 600);
        Thread("g", string.Empty, "Re: Plan", "Sun, 07 Jan 2024 10:00:00 +0000", 700);
        Thread("h", string.Empty, "Solo", "Sun, 31 Dec 2023 10:00:00 +0000", 800);
        Thread("i", "In-Reply-To: <g@t>\r\n", "Re: Plan", "Mon, 08 Jan 2024 10:00:00 +0000", 900);
        Thread("j", string.Empty, "Solo", "Tue, 09 Jan 2024 10:00:00 +0000", 1100);
        Thread("k", "References: <zz@t> <yy@t>\r\n", "Fwd: [Fwd: Lunch]", "Wed, 10 Jan 2024 10:00:00 +0000", 1200);
        Thread("l", "References: <yy@t>\r\n", "Re: Lunch", "Thu, 11 Jan 2024 10:00:00 +0000", 1300);

        var facteur = new List<string>();
        await using (var client = await RawImapClient.ConnectAsync(server.Port))
        {
            await client.CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");
            await client.CommandAsync("S", "SELECT INBOX");
            for (var i = 0; i < Commands.Length; i++)
            {
                var lines = await client.CommandAsync("c" + i, Commands[i]);
                Assert.StartsWith($"c{i} OK", lines[^1]);
                facteur.Add(Assert.Single(lines, l => l.StartsWith("* SORT", StringComparison.Ordinal) || l.StartsWith("* THREAD", StringComparison.Ordinal)));
            }

            await client.CommandAsync("Z", "LOGOUT");
        }

        var script = new StringBuilder("S SELECT INBOX\r\n");
        for (var i = 0; i < Commands.Length; i++)
        {
            script.Append("c").Append(i).Append(' ').Append(Commands[i]).Append("\r\n");
        }

        script.Append("Z LOGOUT\r\n");
        var output = await DovecotImap.RunAsync(server.Maildir(), script.ToString());
        var dovecot = output.Split("\r\n").Where(l => l.StartsWith("* SORT", StringComparison.Ordinal) || l.StartsWith("* THREAD", StringComparison.Ordinal)).ToList();
        Assert.True(dovecot.Count == Commands.Length, output);
        var differences = Commands.Select((c, i) => (c, facteur[i], dovecot[i])).Where(d => d.Item2 != d.Item3).Select(d => $"{d.c}\n  facteur: {d.Item2}\n  dovecot: {d.Item3}").ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }
}
