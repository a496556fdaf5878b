using System.Text;
using Facteur.Cli.Files;
using Facteur.Cli.Mbox;
using Facteur.MailStore.Folders;

namespace Facteur.Migration.Tests;

/// <summary>Importing an mbox again (a migration's delta run): nothing doubled, nothing left in tmp/, flags taken over.</summary>
public sealed class MboxReimportTests
{
    private const string First = "From alice@esp.sn Sat Feb  1 08:00:00 2025\nSubject: one\nStatus: O\n\nhi\n>From the desk\n\n";

    [Fact]
    public async Task A_second_import_renames_messages_whose_status_headers_changed_and_copies_nothing()
    {
        using var scratch = new Scratch();
        var folder = UserMaildir.Open(scratch["mail"], "bob@esp.sn").Folder("Archive");
        var large = "From bob@esp.sn Sun Feb  2 08:00:00 2025\nSubject: large\n\n" + string.Concat(Enumerable.Repeat(new string('y', 99) + "\n", 25_000)) + "\n";
        await Import(folder, First + large);

        var second = await Import(folder, First.Replace("Status: O\n", "Status: RO\nX-Status: F\nX-Keywords: Later\n", StringComparison.Ordinal) + large);

        Assert.Equal((0, 1, 1), (second.Imported, second.AlreadyPresent, second.FlagsUpdated));
        var snapshot = await folder.SynchronizeAsync();
        Assert.Equal(2, snapshot.Messages.Count);
        Assert.Equal(MaildirFlags.Seen | MaildirFlags.Flagged, snapshot.Messages[0].Flags);
        Assert.Equal(["Later"], DovecotKeywords.Read(folder.Path).NamesOf(snapshot.Messages[0].Keywords));
        Assert.Empty(Directory.GetFiles(Path.Combine(folder.Path, "tmp"))); // the 2.5 MB message went through tmp/ and was dropped
    }

    [Fact]
    public async Task An_import_told_to_keep_quoted_from_lines_keeps_the_bytes_the_old_server_served()
    {
        using var scratch = new Scratch();
        var folder = UserMaildir.Open(scratch["mail"], "bob@esp.sn").Folder("INBOX");
        await new MboxImport(folder) { UnquoteFromLines = false }.ImportAsync(new MemoryStream(Encoding.ASCII.GetBytes(First)), CancellationToken.None);

        var message = (await folder.SynchronizeAsync()).Messages.Single();
        Assert.Equal("Subject: one\n\nhi\n>From the desk\n", await File.ReadAllTextAsync(folder.FullPath(message)));
    }

    [Fact]
    public void Staged_files_appear_only_when_their_batch_is_committed_and_a_discard_leaves_nothing()
    {
        using var scratch = new Scratch();
        Directory.CreateDirectory(scratch["tmp"]);
        Directory.CreateDirectory(scratch["cur"]);
        var staged = new StagedFiles(maxFiles: 3);
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllText(scratch[$"tmp/{i}"], $"message {i}");
            staged.Add(scratch[$"tmp/{i}"], scratch[$"cur/{i}"], 9);
        }

        // The batch of three was committed when it filled; the last two wait for the next commit.
        Assert.Equal(["0", "1", "2"], Directory.GetFiles(scratch["cur"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(3, staged.Committed);
        staged.Discard();
        Assert.Empty(Directory.GetFiles(scratch["tmp"]));
        Assert.Equal(3, Directory.GetFiles(scratch["cur"]).Length);

        File.WriteAllText(scratch["tmp/5"], "message 5");
        staged.Add(scratch["tmp/5"], scratch["cur/5"], 9);
        staged.Commit();
        Assert.Equal("message 5", File.ReadAllText(scratch["cur/5"]));
    }

    private static Task<MboxImportResult> Import(MaildirFolder folder, string mbox) =>
        new MboxImport(folder).ImportAsync(new MemoryStream(Encoding.ASCII.GetBytes(mbox)), CancellationToken.None);
}
