using System.Globalization;
using System.Text.RegularExpressions;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class DovecotInteropTests
{
    [Fact]
    public async Task A_maildir_written_by_dovecot_opens_with_the_same_uidvalidity_uids_flags_and_keywords()
    {
        using var maildir = new IndexTestMaildir();
        Directory.Delete(maildir.UserPath, recursive: true);
        var output = await DovecotImap.RunAsync(maildir.UserPath,
            "a CREATE Work\r\n"
            + DovecotImap.Append("b1", "INBOX", "\\Seen $Label1 Foo", IndexTestMaildir.Message("one"), "02-Jan-2021 10:00:00 +0000")
            + DovecotImap.Append("b2", "INBOX", "\\Flagged", IndexTestMaildir.Message("two"))
            + DovecotImap.Append("b3", "INBOX", "\\Answered \\Draft Bar $Forwarded", IndexTestMaildir.Message("three"))
            + DovecotImap.Append("b4", "INBOX", "", IndexTestMaildir.Message("four"))
            + DovecotImap.Append("b5", "Work", "\\Seen", IndexTestMaildir.Message("work"))
            + "c SUBSCRIBE Work\r\nd SELECT INBOX\r\ne STORE 2 +FLAGS (\\Deleted)\r\nf EXPUNGE\r\nz LOGOUT\r\n");
        output = await DovecotImap.RunAsync(maildir.UserPath, "a SELECT INBOX\r\nb UID FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE)\r\nz LOGOUT\r\n");
        var uidValidity = uint.Parse(UidValidityLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var dovecot = FetchLines(output);
        Assert.True(dovecot.Count == 3, output);

        var mailbox = maildir.Mailbox;
        var inbox = await mailbox.OpenFolderAsync("INBOX");

        Assert.Equal(uidValidity, inbox.State.UidValidity);
        Assert.Equal(dovecot.Select(d => d.Uid), inbox.State.Messages.Select(m => m.Uid));
        Assert.Equal(dovecot.Select(d => d.Flags), inbox.State.Messages.Select(FlagText));
        Assert.Equal(dovecot.Select(d => d.Size), inbox.State.Messages.Select(m => m.Size));
        Assert.Equal(new DateTimeOffset(2021, 1, 2, 10, 0, 0, TimeSpan.Zero), inbox.State.Messages[0].InternalDate);
        Assert.Contains("Work", await mailbox.GetSubscriptionsAsync());
        Assert.Contains((await mailbox.ListFoldersAsync()), f => f.Name == "Work" && f.Exists);
        Assert.Single((await mailbox.OpenFolderAsync("Work")).State.Messages);
    }

    [Fact]
    public async Task Dovecot_reads_the_uids_flags_keywords_and_appends_that_facteur_wrote()
    {
        using var maildir = new IndexTestMaildir();
        Directory.Delete(maildir.UserPath, recursive: true);
        await DovecotImap.RunAsync(maildir.UserPath,
            DovecotImap.Append("a", "INBOX", "\\Seen", IndexTestMaildir.Message("one"))
            + DovecotImap.Append("b", "INBOX", "", IndexTestMaildir.Message("two")) + "z LOGOUT\r\n");

        var mailbox = maildir.Mailbox;
        var inbox = await mailbox.OpenFolderAsync("INBOX");
        await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Flagged | MessageFlags.Answered, ["Facteur"]));
        var appended = await inbox.AppendAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(IndexTestMaildir.Message("three"))),
            new AppendRequest(MessageFlags.Seen, ["$Forwarded"]));
        await mailbox.CreateFolderAsync("Projects.Facteur");
        await mailbox.SubscribeAsync("Projects.Facteur");

        var output = await DovecotImap.RunAsync(maildir.UserPath, "a SELECT INBOX\r\nb UID FETCH 1:* (FLAGS RFC822.SIZE)\r\nc LSUB \"\" *\r\nd LIST \"\" *\r\nz LOGOUT\r\n");
        var dovecot = FetchLines(output);

        Assert.Equal(inbox.State.UidValidity, uint.Parse(UidValidityLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal([1u, 2u, appended.Uid], dovecot.Select(d => d.Uid));
        Assert.Equal(inbox.State.Messages.Select(FlagText), dovecot.Select(d => d.Flags));
        Assert.Equal(inbox.State.Messages.Select(m => m.Size), dovecot.Select(d => d.Size));
        Assert.Contains("\\Flagged", dovecot[1].Flags, StringComparison.Ordinal);
        Assert.Contains("Facteur", dovecot[1].Flags, StringComparison.Ordinal);
        Assert.Contains("$Forwarded", dovecot[2].Flags, StringComparison.Ordinal);
        Assert.Contains("* LSUB () \".\" Projects.Facteur", output, StringComparison.Ordinal);
        Assert.Contains("Projects.Facteur", output.Split('\n').Where(l => l.StartsWith("* LIST", StringComparison.Ordinal)).Aggregate(string.Empty, string.Concat), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dovecot_reads_the_records_facteur_appended_to_the_uidlist_and_appends_after_them()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("one"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        // Delivered files a sync then appends to the list (the header keeps N2).
        maildir.Deliver(IndexTestMaildir.Message("two"));
        maildir.Deliver(IndexTestMaildir.Message("three"));
        var state = await inbox.SyncAsync();
        Assert.Contains(" N2 ", File.ReadAllText(Path.Combine(maildir.UserPath, "dovecot-uidlist")), StringComparison.Ordinal);

        var output = await DovecotImap.RunAsync(maildir.UserPath,
            "a SELECT INBOX\r\nb UID FETCH 1:* (FLAGS RFC822.SIZE)\r\n"
            + DovecotImap.Append("c", "INBOX", "", IndexTestMaildir.Message("four")) + "z LOGOUT\r\n");

        Assert.Equal(state.UidValidity, uint.Parse(UidValidityLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Contains("[UIDNEXT 4]", output, StringComparison.Ordinal);
        Assert.Equal([1u, 2u, 3u], FetchLines(output).Select(d => d.Uid));
        var after = await inbox.SyncAsync();
        Assert.Equal([1u, 2u, 3u, 4u], after.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task An_expunge_leaves_its_uidlist_record_as_dovecot_does_and_every_reader_takes_the_message_as_gone()
    {
        using var maildir = new IndexTestMaildir();
        var first = maildir.Deliver(IndexTestMaildir.Message("doomed"), info: "T");
        for (var i = 2; i <= 40; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"kept {i}"));
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var uidListPath = Path.Combine(maildir.UserPath, "dovecot-uidlist");
        var listBefore = await File.ReadAllTextAsync(uidListPath);
        Assert.Contains(MaildirKey(first), listBefore, StringComparison.Ordinal);

        Assert.Equal([1u], await inbox.ExpungeAsync());

        // One message in 40 expunged: the list is left as it was, its record without a file.
        Assert.Equal(listBefore, await File.ReadAllTextAsync(uidListPath));
        Assert.Equal(39, maildir.Files().Length);

        // Another process, POP3's scan and Dovecot all see 39 messages under their UIDs, and UIDNEXT 41.
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        Assert.Equal(Enumerable.Range(2, 39).Select(u => (uint)u), other.State.Messages.Select(m => m.Uid));
        var pop3 = await new Facteur.MailStore.Folders.MaildirFolder(maildir.UserPath).SynchronizeAsync();
        Assert.Equal(Enumerable.Range(2, 39).Select(u => (uint)u), pop3.Messages.Select(m => m.Uid));
        var output = await DovecotImap.RunAsync(maildir.UserPath,
            "a SELECT INBOX\r\nb UID FETCH 1:* (FLAGS RFC822.SIZE)\r\n"
            + DovecotImap.Append("c", "INBOX", "", IndexTestMaildir.Message("after")) + "z LOGOUT\r\n");
        Assert.Contains("[UIDNEXT 41]", output, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(2, 39).Select(u => (uint)u), FetchLines(output).Select(d => d.Uid));

        // UID 1 is not given again: Dovecot's APPEND took 41, and Facteur's next takes 42.
        var appended = await inbox.AppendAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(IndexTestMaildir.Message("mine"))), new AppendRequest(MessageFlags.None, []));
        Assert.Equal(42u, appended.Uid);
        var state = await inbox.SyncAsync();
        Assert.Equal(Enumerable.Range(2, 41).Select(u => (uint)u), state.Messages.Select(m => m.Uid));
    }

    private static string MaildirKey(string path) => Path.GetFileName(path).Split(':')[0];

    [Fact]
    public async Task Folder_names_with_non_ascii_characters_use_dovecot_s_modified_utf7_directories()
    {
        using var maildir = new IndexTestMaildir();
        var mailbox = maildir.Mailbox;
        await mailbox.CreateFolderAsync("Entwürfe");

        var output = await DovecotImap.RunAsync(maildir.UserPath, "a LIST \"\" *\r\nz LOGOUT\r\n");

        Assert.True(Directory.Exists(Path.Combine(maildir.UserPath, ".Entw&APw-rfe")));
        Assert.Contains("Entw&APw-rfe", output, StringComparison.Ordinal);
        Assert.Contains((await mailbox.ListFoldersAsync()), f => f.Name == "Entwürfe");
    }

    /// <summary>IMAP flag list text in Dovecot's order: system flags, then keywords in dovecot-keywords order, \Recent dropped.</summary>
    private static string FlagText(MessageRecord m)
    {
        var flags = new List<string>();
        if (m.Flags.HasFlag(MessageFlags.Answered)) flags.Add("\\Answered");
        if (m.Flags.HasFlag(MessageFlags.Flagged)) flags.Add("\\Flagged");
        if (m.Flags.HasFlag(MessageFlags.Deleted)) flags.Add("\\Deleted");
        if (m.Flags.HasFlag(MessageFlags.Seen)) flags.Add("\\Seen");
        if (m.Flags.HasFlag(MessageFlags.Draft)) flags.Add("\\Draft");
        flags.AddRange(m.Keywords);
        return string.Join(' ', flags.Order(StringComparer.Ordinal));
    }

    private static List<(uint Uid, string Flags, long Size)> FetchLines(string output) =>
        FetchLine().Matches(output).Select(m =>
        {
            var uid = uint.Parse(m.Groups["uid"].Value, CultureInfo.InvariantCulture);
            var flags = m.Groups["flags"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(f => f != "\\Recent").Order(StringComparer.Ordinal);
            return (uid, string.Join(' ', flags), long.Parse(m.Groups["size"].Value, CultureInfo.InvariantCulture));
        }).ToList();

    [GeneratedRegex(@"\[UIDVALIDITY (\d+)\]")]
    private static partial Regex UidValidityLine();

    [GeneratedRegex(@"\* \d+ FETCH \((?=.*UID (?<uid>\d+))(?=.*FLAGS \((?<flags>[^)]*)\))(?=.*RFC822\.SIZE (?<size>\d+))")]
    private static partial Regex FetchLine();
}
