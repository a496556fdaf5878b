using System.Net;
using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;
using MailKit;
using MimeKit;

namespace Facteur.Webmail.Tests;

/// <summary>The folder list and folder operations over HTTP through the edge, checked over IMAP with MailKit. erin's mailbox.</summary>
[Collection(StackCollection.Name)]
public sealed class FolderTests(BrowserStackFixture fixture)
{
    private const string User = "erin@esp.sn";

    private MailStack Stack => fixture.Stack;

    [Theory]
    [InlineData("fr-FR", new[] { "Boîte de réception", "Brouillons", "Envoyés", "Archives", "Indésirables", "Corbeille" })]
    [InlineData("en-US", new[] { "Inbox", "Drafts", "Sent", "Archive", "Junk", "Trash" })]
    public async Task Special_folders_come_first_in_the_expected_order_with_names_in_the_users_language(string language, string[] expected)
    {
        using var client = new WebmailHttpClient(Stack, language: language);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(User, TestSite.Password)).StatusCode);
        var names = Html.Parse(await client.GetTextAsync("/Mail")).QuerySelectorAll("nav.folders a[data-folder] span:first-child")
            .Select(span => span.TextContent.Trim('\u00a0', ' '))
            .ToList();
        Assert.Equal(expected, names.Take(6));
    }

    [Fact]
    public async Task Folders_are_created_renamed_and_deleted_and_show_their_unread_count()
    {
        var name = "Projets" + Guid.NewGuid().ToString("N")[..6];
        using var client = new WebmailHttpClient(Stack);
        await client.LoginAsync(User, TestSite.Password);

        var created = await client.PostFormAsync("/Mail", "/Mail?handler=CreateFolder", [new("f", "INBOX"), new("name", name)]);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Contains(name, await FolderNamesOverImapAsync());
        Assert.Equal($"/Mail", created.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains($"f={name}", created.RequestMessage.RequestUri.Query);

        // Two unread messages arrive in it: a new session sees the count.
        await Mailer.AppendAsync(Stack, User, name, [Message("un"), Message("deux")]);
        using (var other = new WebmailHttpClient(Stack))
        {
            await other.LoginAsync(User, TestSite.Password);
            var link = Html.Parse(await other.GetTextAsync("/Mail")).QuerySelector($"nav.folders a[data-folder='{name}']")!;
            Assert.Equal("2", link.QuerySelector(".count")!.TextContent.Trim());
        }

        var renamed = name + " 2026";
        var rename = await client.PostFormAsync($"/Mail?f={name}", "/Mail?handler=RenameFolder", [new("f", name), new("name", renamed)]);
        Assert.True(rename.StatusCode == HttpStatusCode.OK, $"rename: {(int)rename.StatusCode}\n{Stack.Logs}");
        var afterRename = await FolderNamesOverImapAsync();
        Assert.Contains(renamed, afterRename);
        Assert.DoesNotContain(name, afterRename);
        Assert.Equal(2, await CountOverImapAsync(renamed));

        var delete = await client.PostFormAsync($"/Mail?f={Uri.EscapeDataString(renamed)}", "/Mail?handler=DeleteFolder", [new("f", renamed)]);
        Assert.True(delete.StatusCode == HttpStatusCode.OK, $"delete: {(int)delete.StatusCode}\n{Stack.Logs}");
        Assert.DoesNotContain(renamed, await FolderNamesOverImapAsync());
        var page = await client.GetTextAsync("/Mail");
        Assert.Null(Html.Parse(page).QuerySelector($"nav.folders a[data-folder='{renamed}']"));
    }

    [Theory]
    [InlineData("Trash")]
    [InlineData("Sent")]
    [InlineData("INBOX")]
    public async Task Special_folders_cannot_be_renamed_or_deleted(string special)
    {
        using var client = new WebmailHttpClient(Stack);
        await client.LoginAsync(User, TestSite.Password);
        var rename = await client.PostFormAsync($"/Mail?f={special}", "/Mail?handler=RenameFolder", [new("f", special), new("name", "Autre" + Guid.NewGuid().ToString("N")[..4])]);
        Assert.Contains("Opération impossible sur le dossier", await rename.Content.ReadAsStringAsync());
        var delete = await client.PostFormAsync($"/Mail?f={special}", "/Mail?handler=DeleteFolder", [new("f", special)]);
        Assert.Contains("Opération impossible sur le dossier", await delete.Content.ReadAsStringAsync());
        Assert.Contains(special, await FolderNamesOverImapAsync());

        // The page does not even offer it.
        var list = Html.Parse(await client.GetTextAsync($"/Mail?f={special}"));
        Assert.Null(list.QuerySelector("form[action*='handler=DeleteFolder']"));
    }

    [Theory]
    [InlineData("../evasion")]
    [InlineData(".cache")]
    [InlineData("a/b")]
    public async Task A_folder_name_with_path_tricks_is_refused_with_a_message(string bad)
    {
        using var client = new WebmailHttpClient(Stack);
        await client.LoginAsync(User, TestSite.Password);
        var before = await FolderNamesOverImapAsync();
        var response = await client.PostFormAsync("/Mail", "/Mail?handler=CreateFolder", [new("f", "INBOX"), new("name", bad)]);
        Assert.Contains("Opération impossible sur le dossier", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await FolderNamesOverImapAsync());
    }

    [Fact]
    public async Task Empty_trash_removes_every_message_in_trash_only()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        await Mailer.AppendAsync(Stack, User, "Trash", [Message("corbeille " + marker), Message("corbeille 2 " + marker)]);
        await Mailer.AppendAsync(Stack, User, "INBOX", [Message("garder " + marker)]);
        using var client = new WebmailHttpClient(Stack);
        await client.LoginAsync(User, TestSite.Password);
        var trash = await client.GetTextAsync("/Mail?f=Trash");
        Assert.NotNull(Html.Parse(trash).QuerySelector("#empty-trash"));

        var emptied = await client.PostFormAsync("/Mail?f=Trash", "/Mail?handler=EmptyTrash", [new("f", "Trash")]);
        var page = await emptied.Content.ReadAsStringAsync();
        Assert.Contains("Corbeille vidée.", page);
        Assert.Empty(Html.Subjects(page));
        Assert.Equal(0, await CountOverImapAsync("Trash"));
        Assert.Equal(1, await CountOverImapAsync("INBOX", marker));
    }

    private MimeMessage Message(string subject) => Mailer.Message("bob@esp.sn", User, subject, "texte");

    private async Task<List<string>> FolderNamesOverImapAsync()
    {
        using var imap = await Mailer.ImapAsync(Stack, User);
        var folders = await imap.GetFoldersAsync(imap.PersonalNamespaces[0]);
        return [.. folders.Select(f => f.FullName)];
    }

    private async Task<int> CountOverImapAsync(string folderName, string? subject = null)
    {
        using var imap = await Mailer.ImapAsync(Stack, User);
        var folder = folderName == "INBOX" ? imap.Inbox : await imap.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        return subject is null ? folder.Count : (await folder.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(subject))).Count;
    }
}
