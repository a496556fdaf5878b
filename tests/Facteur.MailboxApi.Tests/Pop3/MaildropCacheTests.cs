using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Folders;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>
/// A login reuses the last scan of an unchanged maildrop (Dovecot's quick check) and rescans as soon as
/// new/, cur/ or the uidlist changed. The tests prove which one happened by hiding a file from the
/// modification times: a file added with the directory's time put back is only seen by a rescan.
/// </summary>
public sealed class MaildropCacheTests
{
    private static async Task<string> StatAsync(Pop3TestServer server)
    {
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", await client.CommandAsync("USER " + Pop3TestServer.User));
        Assert.StartsWith("+OK", await client.CommandAsync("PASS " + Pop3TestServer.Password));
        var stat = await client.CommandAsync("STAT");
        Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
        return stat;
    }

    /// <summary>Puts new/, cur/ and the uidlist back a minute, as if the last change were long ago.</summary>
    private static void Settle(string maildir, DateTime when)
    {
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "new"), when);
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "cur"), when);
        File.SetLastWriteTimeUtc(Path.Combine(maildir, MaildirFolder.UidListFileName), when);
    }

    [Fact]
    public async Task An_unchanged_maildrop_is_not_scanned_again_and_a_delivery_is_seen_at_the_next_login()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        for (var i = 0; i < 3; i++)
        {
            MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        Assert.StartsWith("+OK 3 ", await StatAsync(server)); // first scan writes the uidlist
        var longAgo = DateTime.UtcNow.AddMinutes(-1);
        Settle(maildir, longAgo);
        Assert.StartsWith("+OK 3 ", await StatAsync(server)); // rescan (stamp changed), kept: settled

        // A file slipped in without moving any time: only a rescan would find it.
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("hidden", "x\r\n"));
        Settle(maildir, longAgo);
        Assert.StartsWith("+OK 3 ", await StatAsync(server));

        // An ordinary delivery moves new/'s time: the next login scans and sees both.
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("delivered", "x\r\n"));
        Assert.StartsWith("+OK 5 ", await StatAsync(server));
    }

    [Fact]
    public async Task The_scan_that_writes_the_uidlist_of_a_settled_maildrop_is_kept_for_the_next_login()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        for (var i = 0; i < 3; i++)
        {
            MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        // Mail that arrived long ago and no uidlist yet (a migrated maildrop, or UIDs still to assign).
        var longAgo = DateTime.UtcNow.AddMinutes(-1);
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "new"), longAgo);
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "cur"), longAgo);
        Assert.False(File.Exists(Path.Combine(maildir, MaildirFolder.UidListFileName)));
        Assert.StartsWith("+OK 3 ", await StatAsync(server)); // scans and writes the uidlist

        // A file slipped in without moving new/'s time: only a second full scan would find it.
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("hidden", "x\r\n"));
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "new"), longAgo);
        Assert.StartsWith("+OK 3 ", await StatAsync(server));

        // An ordinary delivery moves new/'s time: scanned again, both seen.
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("delivered", "x\r\n"));
        Assert.StartsWith("+OK 5 ", await StatAsync(server));
    }

    [Fact]
    public async Task A_login_after_a_message_was_expunged_elsewhere_leaves_the_uidlist_and_is_kept_for_the_next_login()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        var keys = Enumerable.Range(0, 4).Select(i => MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", "x\r\n"))).ToList();
        Assert.StartsWith("+OK 4 ", await StatAsync(server));
        var uidList = Path.Combine(maildir, MaildirFolder.UidListFileName);
        var written = File.ReadAllText(uidList);

        // IMAP expunged one message a while ago (its record left in the list, as Dovecot and the IMAP store do).
        File.Delete(Path.Combine(maildir, "new", keys[1]));
        var longAgo = DateTime.UtcNow.AddMinutes(-1);
        Settle(maildir, longAgo);
        Assert.StartsWith("+OK 3 ", await StatAsync(server)); // a full scan (cur/'s time moved): one record without a file
        Assert.Equal(written, File.ReadAllText(uidList)); // one in four: not worth rewriting

        // A file slipped in without moving any time: the scan above was kept, so this login does not see it.
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("hidden", "x\r\n"));
        Settle(maildir, longAgo);
        Assert.StartsWith("+OK 3 ", await StatAsync(server));
    }

    [Fact]
    public async Task The_scan_that_drops_the_records_of_messages_expunged_elsewhere_is_kept_for_the_next_login()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        var keys = Enumerable.Range(0, 3).Select(i => MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", "x\r\n"))).ToList();
        Assert.StartsWith("+OK 3 ", await StatAsync(server));

        // Two of three expunged elsewhere, long ago: the login's scan writes the list without their records.
        File.Delete(Path.Combine(maildir, "new", keys[0]));
        File.Delete(Path.Combine(maildir, "new", keys[1]));
        var longAgo = DateTime.UtcNow.AddMinutes(-1);
        Settle(maildir, longAgo);
        Assert.StartsWith("+OK 1 ", await StatAsync(server));
        var uidList = File.ReadAllText(Path.Combine(maildir, MaildirFolder.UidListFileName));
        Assert.DoesNotContain(keys[0], uidList);
        Assert.Contains(keys[2], uidList);

        // The list's fresh time is the scan's own write: the next login reuses the scan (a file slipped into new/
        // without moving its time stays unseen) instead of scanning again because of it.
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("hidden", "x\r\n"));
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "new"), longAgo);
        Assert.StartsWith("+OK 1 ", await StatAsync(server));

        // A delivery moves new/'s time: scanned, both seen, under UIDs never given before.
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("delivered", "x\r\n"));
        Assert.StartsWith("+OK 3 ", await StatAsync(server));
    }

    [Fact]
    public async Task A_maildrop_whose_times_are_not_a_second_old_is_always_scanned()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("m0", "x\r\n"));
        Assert.StartsWith("+OK 1 ", await StatAsync(server));

        // Times not yet a second old (here: ahead of the clock, as after clock skew on a shared volume) could
        // hide a second change in the same tick, so such a scan is not kept. "Ahead" keeps the test
        // independent of how slowly a loaded machine gets from here to the next login.
        var now = DateTime.UtcNow.AddMinutes(1);
        Settle(maildir, now);
        Assert.StartsWith("+OK 1 ", await StatAsync(server));
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("same tick", "x\r\n"));
        Settle(maildir, now);
        Assert.StartsWith("+OK 2 ", await StatAsync(server));
    }

    [Fact]
    public async Task With_the_cache_off_every_login_scans()
    {
        await using var server = await Pop3TestServer.StartAsync(new() { ["Pop3:MaildropCacheMessages"] = "0" });
        var maildir = server.Maildir();
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("m0", "x\r\n"));
        Assert.StartsWith("+OK 1 ", await StatAsync(server));
        var longAgo = DateTime.UtcNow.AddMinutes(-1);
        Settle(maildir, longAgo);
        Assert.StartsWith("+OK 1 ", await StatAsync(server));
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("hidden", "x\r\n"));
        Settle(maildir, longAgo);
        Assert.StartsWith("+OK 2 ", await StatAsync(server));
    }

    [Fact]
    public async Task Files_renamed_since_the_last_scan_keep_their_uidls_and_a_vanished_one_is_dropped()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        var keys = Enumerable.Range(0, 3).Select(i => MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", $"body {i}\r\n"))).ToList();

        async Task<(string Stat, string Uidl)> SessionAsync(string? retr = null)
        {
            await using var client = await RawPop3Client.ConnectAsync(server.Port);
            Assert.StartsWith("+OK", await client.CommandAsync("USER " + Pop3TestServer.User));
            Assert.StartsWith("+OK", await client.CommandAsync("PASS " + Pop3TestServer.Password));
            var stat = await client.CommandAsync("STAT");
            Assert.StartsWith("+OK", await client.CommandAsync("UIDL"));
            var uidl = System.Text.Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync());
            if (retr is not null)
            {
                Assert.StartsWith("+OK", await client.CommandAsync("RETR 1"));
                Assert.Contains(retr, System.Text.Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync()));
            }

            Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
            return (stat, uidl);
        }

        var first = await SessionAsync();
        Settle(maildir, DateTime.UtcNow.AddMinutes(-1));
        Assert.Equal(first, await SessionAsync()); // a full scan, kept with its settled uidlist

        // IMAP flags the first message (new/ -> cur/ :2,F): only a rename, the same UIDs.
        File.Move(Path.Combine(maildir, "new", keys[0]), Path.Combine(maildir, "cur", keys[0] + ":2,F"));
        Assert.Equal(first, await SessionAsync(retr: "body 0"));
        Assert.True(File.Exists(Path.Combine(maildir, "cur", keys[0] + ":2,FS")), "RETR's \\Seen went to the renamed file");

        // IMAP expunges the second: not a rename any more, so a full scan drops it and keeps the others' UIDLs.
        File.Delete(Path.Combine(maildir, "new", keys[1]));
        var after = await SessionAsync();
        Assert.StartsWith("+OK 2 ", after.Stat);
        var lines = first.Uidl.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[1]).ToList();
        Assert.Equal([lines[0], lines[2]], after.Uidl.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[1]));
    }

    /// <summary>The system clock, which a test can hold still or move ahead.</summary>
    private sealed class TestClock : TimeProvider
    {
        private DateTimeOffset? _held;
        private TimeSpan _ahead;

        public void Hold() => _held = TimeProvider.System.GetUtcNow();

        public void ReleaseAhead(TimeSpan ahead)
        {
            _ahead = ahead;
            _held = null;
        }

        public override DateTimeOffset GetUtcNow() => _held ?? TimeProvider.System.GetUtcNow() + _ahead;
    }

    /// <summary>One session: USER/PASS, the commands (a multi-line answer read whole), QUIT; the answers.</summary>
    private static async Task<List<string>> SessionAsync(Pop3TestServer server, params string[] commands)
    {
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", await client.CommandAsync("USER " + Pop3TestServer.User));
        Assert.StartsWith("+OK", await client.CommandAsync("PASS " + Pop3TestServer.Password));
        var answers = new List<string>();
        foreach (var command in commands)
        {
            var answer = await client.CommandAsync(command);
            Assert.StartsWith("+OK", answer);
            if (command is "UIDL" or "LIST" || command.StartsWith("RETR", StringComparison.Ordinal))
            {
                answer = Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync());
            }

            answers.Add(answer);
        }

        Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
        return answers;
    }

    private static List<string> UidlsOf(string listing) =>
        listing.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Where(l => l != ".").Select(l => l.Split(' ')[1]).ToList();

    [Fact]
    public async Task A_session_s_own_renames_and_deletions_are_kept_so_the_next_login_lists_nothing_until_they_settle()
    {
        var clock = new TestClock();
        await using var server = await Pop3TestServer.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var maildir = server.Maildir();
        var keys = Enumerable.Range(0, 3).Select(i => MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", $"body {i}\r\n"))).ToList();
        var uidls = UidlsOf((await SessionAsync(server, "UIDL"))[0]);
        Settle(maildir, DateTime.UtcNow.AddMinutes(-1));
        Assert.StartsWith("+OK 3 ", (await SessionAsync(server, "STAT"))[0]); // a settled scan, kept

        clock.Hold();
        await SessionAsync(server, "RETR 1", "DELE 2");
        Assert.True(File.Exists(Path.Combine(maildir, "cur", keys[0] + ":2,S")), "RETR's \\Seen is stored at QUIT");
        Assert.False(File.Exists(Path.Combine(maildir, "new", keys[1])), "QUIT removed the deleted message");

        // A file slipped in without moving new/'s time: only a listing would find it. Right after this
        // process's own QUIT the kept scan, with that QUIT's rename and unlink, is reused as it is.
        var newTime = Directory.GetLastWriteTimeUtc(Path.Combine(maildir, "new"));
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("hidden", "x\r\n"));
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "new"), newTime);
        var reused = await SessionAsync(server, "STAT", "UIDL", "RETR 1");
        Assert.StartsWith("+OK 2 ", reused[0]);
        Assert.Equal([uidls[0], uidls[2]], UidlsOf(reused[1]));
        Assert.Contains("body 0", reused[2]); // the renamed file, where the QUIT put it

        // Once those times could have hidden someone else's change in the same tick, the next login lists.
        clock.ReleaseAhead(TimeSpan.FromSeconds(5));
        var listed = await SessionAsync(server, "STAT", "UIDL");
        Assert.StartsWith("+OK 3 ", listed[0]);
        Assert.Equal([uidls[0], uidls[2]], UidlsOf(listed[1]).Take(2));
    }

    [Fact]
    public async Task A_change_by_another_program_after_a_session_s_own_quit_is_seen_at_the_next_login()
    {
        var clock = new TestClock();
        await using var server = await Pop3TestServer.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var maildir = server.Maildir();
        var keys = Enumerable.Range(0, 3).Select(i => MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", $"body {i}\r\n"))).ToList();
        await SessionAsync(server, "STAT");
        Settle(maildir, DateTime.UtcNow.AddMinutes(-1));
        await SessionAsync(server, "STAT");

        clock.Hold();
        await SessionAsync(server, "RETR 1");
        // IMAP expunges the third message in a later clock tick than the QUIT's rename.
        var newTime = Directory.GetLastWriteTimeUtc(Path.Combine(maildir, "new"));
        File.Delete(Path.Combine(maildir, "new", keys[2]));
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "new"), newTime.AddSeconds(1));
        Assert.StartsWith("+OK 2 ", (await SessionAsync(server, "STAT"))[0]);
    }
}
