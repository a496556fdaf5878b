using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Store;

public sealed class MaildirFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("facteur-maildir-").FullName;

    private MaildirFolder Folder => new(_root);

    [Fact]
    public async Task New_files_get_increasing_uids_in_key_order_and_a_uidlist_is_written()
    {
        var keys = Enumerable.Range(0, 5).Select(i => MaildirSeed.Deliver(_root, MaildirSeed.Message($"m{i}", "x\r\n"))).ToList();
        var snapshot = await Folder.SynchronizeAsync();
        Assert.Equal([1u, 2u, 3u, 4u, 5u], snapshot.Messages.Select(m => m.Uid));
        Assert.Equal(keys.Order(StringComparer.Ordinal), snapshot.Messages.Select(m => m.Key));
        Assert.Equal(6u, snapshot.NextUid);
        var text = File.ReadAllText(Path.Combine(_root, "dovecot-uidlist"));
        Assert.Matches(@"^3 V\d+ N6 G[0-9a-f]{32}\n1 :", text);
    }

    [Fact]
    public async Task Files_moved_to_cur_or_with_changed_flags_keep_their_uid_and_deleted_uids_are_never_reused()
    {
        var a = MaildirSeed.Deliver(_root, MaildirSeed.Message("a", "x\r\n"));
        var b = MaildirSeed.Deliver(_root, MaildirSeed.Message("b", "x\r\n"));
        var first = await Folder.SynchronizeAsync();

        // Another process: a moves to cur/ with flags, b is expunged.
        File.Move(Path.Combine(_root, "new", a), Path.Combine(_root, "cur", a + ":2,FS"));
        File.Delete(Path.Combine(_root, "new", b));
        var c = MaildirSeed.Deliver(_root, MaildirSeed.Message("c", "x\r\n"));
        var second = await Folder.SynchronizeAsync();

        Assert.Equal(first.Messages[0].Uid, second.Messages.Single(m => m.Key == a).Uid);
        Assert.Equal(MaildirFlags.Flagged | MaildirFlags.Seen, second.Messages.Single(m => m.Key == a).Flags);
        Assert.Equal(3u, second.Messages.Single(m => m.Key == c).Uid);
        Assert.DoesNotContain(second.Messages, m => m.Key == b);
        Assert.Equal(first.UidValidity, second.UidValidity);
    }

    [Fact]
    public async Task Records_of_messages_expunged_elsewhere_stay_in_the_uidlist_until_a_quarter_have_no_file()
    {
        var keys = Enumerable.Range(0, 8).Select(i => MaildirSeed.Deliver(_root, MaildirSeed.Message($"m{i}", "x\r\n"))).ToList();
        await Folder.SynchronizeAsync();
        var uidList = Path.Combine(_root, "dovecot-uidlist");
        var written = File.ReadAllText(uidList);

        // Two of eight gone (2 <= 6 / 3): skipped by the sync, the list left as it is (Dovecot's rule).
        File.Delete(Path.Combine(_root, "new", keys[0]));
        File.Delete(Path.Combine(_root, "new", keys[5]));
        var snapshot = await Folder.SynchronizeAsync();
        Assert.Equal(6, snapshot.Messages.Count);
        Assert.DoesNotContain(snapshot.Messages, m => m.Key == keys[0] || m.Key == keys[5]);
        Assert.Equal(written, File.ReadAllText(uidList));

        // A third (3 > 5 / 3): rewritten without the three; a new file still gets a UID never given (9).
        File.Delete(Path.Combine(_root, "new", keys[3]));
        snapshot = await Folder.SynchronizeAsync();
        Assert.Equal(5, snapshot.Messages.Count);
        var rewritten = File.ReadAllText(uidList);
        Assert.DoesNotContain(keys[0], rewritten);
        Assert.DoesNotContain(keys[3], rewritten);
        Assert.Contains(keys[7], rewritten);
        var added = MaildirSeed.Deliver(_root, MaildirSeed.Message("later", "x\r\n"));
        Assert.Equal(9u, (await Folder.SynchronizeAsync()).Messages.Single(m => m.Key == added).Uid);
    }

    [Fact]
    public async Task A_record_whose_file_is_gone_is_not_a_reason_to_give_its_uid_again_when_new_mail_rewrites_the_list()
    {
        var keys = Enumerable.Range(0, 4).Select(i => MaildirSeed.Deliver(_root, MaildirSeed.Message($"m{i}", "x\r\n"))).ToList();
        await Folder.SynchronizeAsync();
        File.Delete(Path.Combine(_root, "new", keys[3]));
        await Folder.SynchronizeAsync(); // the record of UID 4 stays
        var added = MaildirSeed.Deliver(_root, MaildirSeed.Message("later", "x\r\n"));
        var snapshot = await Folder.SynchronizeAsync();
        Assert.Equal([1u, 2u, 3u, 5u], snapshot.Messages.Select(m => m.Uid));
        Assert.Equal(added, snapshot.Messages[^1].Key);
    }

    [Fact]
    public async Task Change_flags_renames_into_cur_and_locate_follows_a_rename_by_another_process()
    {
        MaildirSeed.Deliver(_root, MaildirSeed.Message("a", "x\r\n"));
        var message = (await Folder.SynchronizeAsync()).Messages.Single();
        var seen = Folder.ChangeFlags(message, MaildirFlags.Seen)!;
        Assert.False(seen.IsNew);
        Assert.Equal(message.Key + ":2,S", seen.FileName);

        // IMAP adds \Flagged behind our back: the stale view still finds the file.
        File.Move(Path.Combine(_root, "cur", seen.FileName), Path.Combine(_root, "cur", message.Key + ":2,FS"));
        using (var stream = Folder.OpenRead(seen))
        {
            Assert.NotNull(stream);
        }

        Assert.True(Folder.Delete(seen));
        Assert.Equal(0, MaildirSeed.FileCount(_root));
        Assert.False(Folder.Delete(seen));
        Assert.Null(Folder.ChangeFlags(seen, MaildirFlags.Replied));
    }

    [Fact]
    public async Task Virtual_size_of_a_name_without_w_is_computed_once_and_kept_in_the_uidlist()
    {
        MaildirSeed.Deliver(_root, "Subject: x\n\nline\n", withSizes: false);
        var message = (await Folder.SynchronizeAsync()).Messages.Single();
        Assert.Equal(17 + 3, message.VirtualSize);
        Assert.Equal("20", Folder.ReadUidList()!.Records.Single().Extension('W'));
    }

    [Fact]
    public async Task Concurrent_synchronizers_with_concurrent_deliveries_give_unique_increasing_uids()
    {
        const int writers = 4, perWriter = 25;
        var deliveries = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                MaildirSeed.Deliver(_root, MaildirSeed.Message($"w{w}-{i}", "x\r\n"));
            }
        }));
        var syncers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var seen = new List<MaildirSnapshot>();
            for (var i = 0; i < 15; i++)
            {
                seen.Add(await new MaildirFolder(_root).SynchronizeAsync());
            }

            return seen;
        })).ToList();
        await Task.WhenAll(deliveries);
        var snapshots = (await Task.WhenAll(syncers)).SelectMany(s => s).Append(await Folder.SynchronizeAsync()).ToList();

        var final = snapshots[^1];
        Assert.Equal(writers * perWriter, final.Messages.Count);
        Assert.Equal(final.Messages.Select(m => m.Uid).Distinct().Count(), final.Messages.Count);
        Assert.Equal(final.Messages.Select(m => m.Uid).Order(), final.Messages.Select(m => m.Uid));
        // Every snapshot agrees with the final one: a key never had two UIDs.
        var uidOf = final.Messages.ToDictionary(m => m.Key, m => m.Uid);
        foreach (var snapshot in snapshots)
        {
            Assert.All(snapshot.Messages, m => Assert.Equal(uidOf[m.Key], m.Uid));
            Assert.Equal(final.UidValidity, snapshot.UidValidity);
        }
    }

    [Fact]
    public void Keywords_file_maps_letters_to_names_and_assigns_free_letters()
    {
        File.WriteAllText(Path.Combine(_root, DovecotKeywords.FileName), "0 $Forwarded\n2 Work\n");
        var keywords = DovecotKeywords.Read(_root);
        Assert.Equal("$Forwarded", keywords.NameOf('a'));
        Assert.Null(keywords.NameOf('b'));
        Assert.Equal('c', keywords.LetterOf("work"));
        Assert.Equal('b', keywords.GetOrAdd("$Junk"));
        keywords.Write(_root);
        Assert.Equal("0 $Forwarded\n1 $Junk\n2 Work\n", File.ReadAllText(Path.Combine(_root, DovecotKeywords.FileName)));
        Assert.Equal(["$Forwarded", "Work"], keywords.NamesOf("ac"));
    }

    [Theory]
    [InlineData("../etc@example.test")]
    [InlineData("alice@../x")]
    [InlineData("al/ice@example.test")]
    [InlineData("alice\0@example.test")]
    [InlineData("noatsign")]
    public void User_names_that_would_escape_the_mail_root_are_refused(string user) =>
        Assert.Throws<ArgumentException>(() => UserMaildir.Open(_root, user));

    [Fact]
    public void Folders_map_to_maildirplusplus_directories()
    {
        var user = UserMaildir.Open(_root, "Alice@Example.TEST");
        Assert.Equal(Path.Combine(_root, "example.test", "Alice"), user.Path);
        Assert.Equal(user.Path, user.Folder("INBOX").Path);
        Assert.Equal(Path.Combine(user.Path, ".Work.Projects"), user.Folder("Work.Projects").Path);
        Assert.Throws<ArgumentException>(() => user.Folder("Work..x"));
        Assert.Throws<ArgumentException>(() => user.Folder("../x"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
