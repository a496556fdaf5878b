using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

public sealed class UserMailboxTests
{
    [Fact]
    public async Task Default_folders_are_created_and_subscribed_with_their_special_use()
    {
        using var maildir = new IndexTestMaildir();
        var mailbox = maildir.Mailbox;

        await mailbox.EnsureDefaultFoldersAsync();
        await mailbox.EnsureDefaultFoldersAsync(); // idempotent
        var folders = await mailbox.ListFoldersAsync();

        Assert.Equal("INBOX", folders[0].Name);
        foreach (var (name, use) in UserMailbox.DefaultFolders)
        {
            var folder = Assert.Single(folders, f => f.Name == name);
            Assert.Equal(use, folder.SpecialUse);
            Assert.True(folder.Subscribed);
            Assert.True(File.Exists(Path.Combine(maildir.UserPath, "." + name, "maildirfolder")));
        }

        Assert.Equal("V\t2\n\n", (await File.ReadAllTextAsync(Path.Combine(maildir.UserPath, "subscriptions")))[..5]);
    }

    [Fact]
    public async Task Create_list_and_delete_with_hierarchy()
    {
        using var maildir = new IndexTestMaildir();
        var mailbox = maildir.Mailbox;

        await mailbox.CreateFolderAsync("Work.Projects.Facteur");
        await mailbox.CreateFolderAsync("Work");
        var folders = await mailbox.ListFoldersAsync();

        Assert.Contains(folders, f => f is { Name: "Work", Exists: true, HasChildren: true });
        Assert.Contains(folders, f => f is { Name: "Work.Projects", Exists: false, HasChildren: true });
        Assert.Contains(folders, f => f is { Name: "Work.Projects.Facteur", Exists: true, HasChildren: false });
        Assert.Equal(MailStoreError.AlreadyExists, (await Assert.ThrowsAsync<MailStoreException>(() => mailbox.CreateFolderAsync("Work"))).Error);
        Assert.Equal(MailStoreError.AlreadyExists, (await Assert.ThrowsAsync<MailStoreException>(() => mailbox.CreateFolderAsync("inbox"))).Error);

        await mailbox.DeleteFolderAsync("Work");
        folders = await mailbox.ListFoldersAsync();
        Assert.Contains(folders, f => f is { Name: "Work", Exists: false, HasChildren: true });
        Assert.True(mailbox.FolderExists("Work.Projects.Facteur"));
        Assert.Equal(MailStoreError.NonExistent, (await Assert.ThrowsAsync<MailStoreException>(() => mailbox.DeleteFolderAsync("Work"))).Error);
        Assert.Equal(MailStoreError.NotAllowed, (await Assert.ThrowsAsync<MailStoreException>(() => mailbox.DeleteFolderAsync("INBOX"))).Error);
        Assert.Equal(MailStoreError.NonExistent, (await Assert.ThrowsAsync<MailStoreException>(() => mailbox.OpenFolderAsync("Work"))).Error);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("a..b")]
    [InlineData(".hidden")]
    [InlineData("trailing.")]
    [InlineData("nul\0byte")]
    [InlineData("")]
    public async Task Unsafe_folder_names_are_refused(string name)
    {
        using var maildir = new IndexTestMaildir();

        var error = await Assert.ThrowsAsync<MailStoreException>(() => maildir.Mailbox.CreateFolderAsync(name));

        Assert.Equal(MailStoreError.InvalidName, error.Error);
        Assert.DoesNotContain(Directory.GetDirectories(maildir.UserPath), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public async Task Two_hundred_levels_of_hierarchy_are_refused_as_too_long()
    {
        using var maildir = new IndexTestMaildir();
        var name = string.Join('.', Enumerable.Repeat("level", 200));

        var error = await Assert.ThrowsAsync<MailStoreException>(() => maildir.Mailbox.CreateFolderAsync(name));

        Assert.Equal(MailStoreError.InvalidName, error.Error);
    }

    [Fact]
    public async Task Rename_moves_children_and_subscriptions_and_keeps_messages_and_uids()
    {
        using var maildir = new IndexTestMaildir();
        var mailbox = maildir.Mailbox;
        await mailbox.CreateFolderAsync("Old");
        await mailbox.CreateFolderAsync("Old.Child");
        await mailbox.SubscribeAsync("Old.Child");
        var old = await mailbox.OpenFolderAsync("Old");
        var appended = await old.AppendAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(IndexTestMaildir.Message("kept"))), new AppendRequest());

        await mailbox.RenameFolderAsync("Old", "New");

        Assert.False(mailbox.FolderExists("Old"));
        Assert.True(mailbox.FolderExists("New.Child"));
        Assert.Equal(["New.Child"], await mailbox.GetSubscriptionsAsync());
        var renamed = await mailbox.OpenFolderAsync("New");
        Assert.Equal(appended.UidValidity, renamed.State.UidValidity);
        Assert.Equal([appended.Uid], renamed.State.Messages.Select(m => m.Uid));
        Assert.Equal(MailStoreError.NonExistent, (await Assert.ThrowsAsync<MailStoreException>(() => mailbox.RenameFolderAsync("Old", "Other"))).Error);
        Assert.Equal(MailStoreError.AlreadyExists, (await Assert.ThrowsAsync<MailStoreException>(() => mailbox.RenameFolderAsync("New.Child", "New"))).Error);
    }

    [Fact]
    public async Task Renaming_inbox_moves_its_messages_and_leaves_it_empty()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("a"), info: "S");
        maildir.Deliver(IndexTestMaildir.Message("b"));
        var mailbox = maildir.Mailbox;
        var inbox = await mailbox.OpenFolderAsync("INBOX");

        await mailbox.RenameFolderAsync("INBOX", "Old-Inbox");

        Assert.Empty((await inbox.SyncAsync()).Messages);
        var moved = await mailbox.OpenFolderAsync("Old-Inbox");
        Assert.Equal(2, moved.State.Count);
        Assert.Equal([MessageFlags.Seen, MessageFlags.None], moved.State.Messages.Select(m => m.Flags));
    }

    [Fact]
    public async Task Subscriptions_in_dovecot_version_1_and_2_formats_are_read()
    {
        using var maildir = new IndexTestMaildir();
        var path = Path.Combine(maildir.UserPath, "subscriptions");
        await File.WriteAllTextAsync(path, "INBOX\nWork.Projects\n");
        Assert.Equal(["INBOX", "Work.Projects"], await maildir.Mailbox.GetSubscriptionsAsync());

        await File.WriteAllTextAsync(path, "V\t2\n\nINBOX\nWork\tProjects\n");
        Assert.Equal(["INBOX", "Work.Projects"], await maildir.Mailbox.GetSubscriptionsAsync());

        await maildir.Mailbox.UnsubscribeAsync("Work.Projects");
        await maildir.Mailbox.SubscribeAsync("Sent");
        Assert.Equal("V\t2\n\nINBOX\nSent\n", await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("A&B", "A&-B")]
    [InlineData("日本語", "&ZeVnLIqe-")]
    [InlineData("plain", "plain")]
    public void Modified_utf7_round_trips(string name, string encoded)
    {
        Assert.Equal(encoded, ModifiedUtf7.Encode(name));
        Assert.Equal(name, ModifiedUtf7.Decode(encoded));
    }
}
