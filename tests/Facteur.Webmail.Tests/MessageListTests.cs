using System.Net;
using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;
using MailKit;
using MimeKit;

namespace Facteur.Webmail.Tests;

/// <summary>
/// The message list over HTTP through the edge (a browser without JavaScript): paging, sorting,
/// search, markers and the bulk actions, each checked against what MailKit sees over IMAP.
/// Each test works in a folder of its own in dave's mailbox.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MessageListTests(BrowserStackFixture fixture)
{
    private const string User = "dave@esp.sn";

    private MailStack Stack => fixture.Stack;

    [Fact]
    public async Task List_shows_50_per_page_and_paging_stays_stable_when_new_mail_arrives()
    {
        var folder = await NewFolderAsync("Pages");
        await Mailer.AppendAsync(Stack, User, folder, Enumerable.Range(0, 120).Select(i => Plain($"Message {i:000}", "bob@esp.sn", "corps")));

        using var client = await LoginAsync();
        var first = await client.GetTextAsync($"/Mail?f={folder}");
        Assert.Equal(Range(119, 70), Html.Subjects(first));
        Assert.Contains("Page 1 sur 3", first);
        Assert.Contains("120 messages", first);

        // Mail arrives while the user is on page 1: page 2 must still start where page 1 ended.
        await Mailer.AppendAsync(Stack, User, folder, Enumerable.Range(0, 3).Select(i => Plain($"Nouveau {i}", "bob@esp.sn", "corps")));
        var second = await client.GetTextAsync(Html.Href(first, "#page-next"));
        Assert.Equal(Range(69, 20), Html.Subjects(second));
        Assert.Contains("Page 2 sur 3", second);
        Assert.Contains("3 nouveau(x) message(s)", Html.Parse(second).QuerySelector("#newer")!.TextContent);

        var third = await client.GetTextAsync(Html.Href(second, "#page-next"));
        Assert.Equal(Range(19, 0), Html.Subjects(third));
        Assert.Null(Html.Parse(third).QuerySelector("#page-next"));

        var back = await client.GetTextAsync(Html.Href(second, "#page-prev"));
        Assert.Equal(Range(119, 70), Html.Subjects(back));

        // A fresh look at the folder shows the new mail first.
        var fresh = await client.GetTextAsync($"/Mail?f={folder}");
        Assert.Equal(["Nouveau 2", "Nouveau 1", "Nouveau 0", "Message 119"], Html.Subjects(fresh).Take(4));
        Assert.Contains("123 messages", fresh);

        // Oldest first, and the UIDs shown are the folder's over IMAP.
        var ascending = await client.GetTextAsync($"/Mail?f={folder}&asc=true");
        Assert.Equal(Range(0, 49), Html.Subjects(ascending));
        using var imap = await Mailer.ImapAsync(Stack, User);
        var imapFolder = await imap.GetFolderAsync(folder);
        await imapFolder.OpenAsync(FolderAccess.ReadOnly);
        var imapUids = await imapFolder.SearchAsync(MailKit.Search.SearchQuery.All);
        Assert.Equal(imapUids.Take(50).Select(u => u.Id), Html.Uids(ascending));
    }

    [Theory]
    [InlineData("Subject", false)]
    [InlineData("Subject", true)]
    [InlineData("From", false)]
    [InlineData("From", true)]
    [InlineData("Size", false)]
    [InlineData("Size", true)]
    [InlineData("Date", false)]
    [InlineData("Date", true)]
    [InlineData("Arrival", false)]
    [InlineData("Arrival", true)]
    public async Task List_sorts_by_each_column_in_both_directions(string sort, bool ascending)
    {
        // Arrival order, sent dates, senders, subjects and sizes all disagree with one another.
        (string Subject, string From, int Lines, int DayOffset)[] data =
        [
            ("Delta", "Moussa <moussa@esp.sn>", 40, 3),
            ("alpha", "Fatou <fatou@esp.sn>", 5, 5),
            ("Charlie", "Awa <awa@esp.sn>", 80, 1),
            ("Re: bravo", "Ibrahima <ibrahima@esp.sn>", 20, 6),
            ("echo", "Cheikh <cheikh@esp.sn>", 120, 2),
            ("Foxtrot", "Dieynaba <dieynaba@esp.sn>", 60, 4),
        ];
        var folder = await NewFolderAsync("Tri");
        var start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        await Mailer.AppendAsync(Stack, User, folder, data.Select(d =>
        {
            var message = Plain(d.Subject, d.From, string.Concat(Enumerable.Repeat("Ligne de texte assez longue.\n", d.Lines)));
            message.Date = start.AddDays(d.DayOffset);
            return message;
        }));

        IEnumerable<(string Subject, string From, int Lines, int DayOffset)> expected = sort switch
        {
            "Subject" => data.OrderBy(d => d.Subject.Replace("Re: ", string.Empty), StringComparer.OrdinalIgnoreCase),
            "From" => data.OrderBy(d => d.From, StringComparer.OrdinalIgnoreCase),
            "Size" => data.OrderBy(d => d.Lines),
            "Date" => data.OrderBy(d => d.DayOffset),
            _ => data,
        };
        if (!ascending)
        {
            expected = expected.Reverse();
        }

        using var client = await LoginAsync();
        var page = await client.GetTextAsync($"/Mail?f={folder}&sort={sort}&asc={(ascending ? "true" : "false")}");
        Assert.Equal(expected.Select(d => d.Subject), Html.Subjects(page));
    }

    [Fact]
    public async Task Search_finds_messages_by_subject_sender_and_body_on_the_server()
    {
        var folder = await NewFolderAsync("Recherche");
        var word = "mangue" + Guid.NewGuid().ToString("N")[..6];
        await Mailer.AppendAsync(Stack, User, folder,
        [
            Plain($"Commande de {word}", "bob@esp.sn", "rien"),
            Plain("Livraison", "bob@esp.sn", $"Les {word} arrivent jeudi."),
            Plain("Facture", "comptable@esp.sn", "Montant dû."),
            Plain("Rappel", "bob@esp.sn", "Rien à voir."),
        ]);

        using var client = await LoginAsync();
        var found = await client.GetTextAsync($"/Mail?f={folder}&q={word}");
        Assert.Equal(["Livraison", $"Commande de {word}"], Html.Subjects(found));
        Assert.Contains("2 messages", found);

        var bySender = await client.GetTextAsync($"/Mail?f={folder}&q=comptable");
        Assert.Equal(["Facture"], Html.Subjects(bySender));

        Assert.Empty(Html.Subjects(await client.GetTextAsync($"/Mail?f={folder}&q=introuvable{Guid.NewGuid():N}")));
    }

    [Fact]
    public async Task Rows_mark_unread_flagged_and_attachment()
    {
        var folder = await NewFolderAsync("Marques");
        await Mailer.AppendAsync(Stack, User, folder, [Plain("Non lu", "bob@esp.sn", "a")]);
        await Mailer.AppendAsync(Stack, User, folder, [Plain("Lu et suivi", "bob@esp.sn", "b")], MessageFlags.Seen | MessageFlags.Flagged);
        await Mailer.AppendAsync(Stack, User, folder,
            [Mailer.Message("bob@esp.sn", User, "Avec pièce jointe", "c", attachment: ("note.txt", "contenu"u8.ToArray()))], MessageFlags.Seen);

        using var client = await LoginAsync();
        var document = Html.Parse(await client.GetTextAsync($"/Mail?f={folder}"));
        var rows = document.QuerySelectorAll("table.messages tbody tr").ToDictionary(tr => tr.QuerySelector("a.subject")!.TextContent.Trim());
        Assert.Equal(3, rows.Count);

        Assert.Contains("unread", rows["Non lu"].ClassList);
        Assert.NotNull(rows["Non lu"].QuerySelector(".m-unread"));
        Assert.Null(rows["Non lu"].QuerySelector(".m-flagged"));
        Assert.Null(rows["Non lu"].QuerySelector(".m-attachment"));

        Assert.Contains("read", rows["Lu et suivi"].ClassList);
        Assert.Null(rows["Lu et suivi"].QuerySelector(".m-unread"));
        Assert.NotNull(rows["Lu et suivi"].QuerySelector(".m-flagged"));

        Assert.NotNull(rows["Avec pièce jointe"].QuerySelector(".m-attachment"));
        Assert.Null(rows["Avec pièce jointe"].QuerySelector(".m-flagged"));

        // The folder list counts the one unread message.
        var link = document.QuerySelector($"nav.folders a[data-folder='{folder}']")!;
        Assert.Equal("1", link.QuerySelector(".count")!.TextContent.Trim());
    }

    [Fact]
    public async Task Bulk_actions_mark_move_delete_to_trash_and_expunge_in_trash()
    {
        var folder = await NewFolderAsync("Lot");
        var target = await NewFolderAsync("Classement");
        var marker = Guid.NewGuid().ToString("N")[..8];
        var uids = await Mailer.AppendAsync(Stack, User, folder, Enumerable.Range(0, 4).Select(i => Plain($"Lot {marker} {i}", "bob@esp.sn", "x")));
        Assert.Equal(4, uids.Count);
        var list = $"/Mail?f={folder}";

        using var client = await LoginAsync();
        await BulkAsync(client, list, folder, "read", uids[0], uids[1]);
        await BulkAsync(client, list, folder, "flag", uids[1], uids[2]);
        Assert.Equal(MessageFlags.Seen, await FlagsAsync(folder, uids[0]));
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, await FlagsAsync(folder, uids[1]));
        Assert.Equal(MessageFlags.Flagged, await FlagsAsync(folder, uids[2]));
        Assert.Equal(MessageFlags.None, await FlagsAsync(folder, uids[3]));

        await BulkAsync(client, list, folder, "unread", uids[1]);
        await BulkAsync(client, list, folder, "unflag", uids[1], uids[2]);
        Assert.Equal(MessageFlags.None, await FlagsAsync(folder, uids[1]));
        Assert.Equal(MessageFlags.None, await FlagsAsync(folder, uids[2]));

        // The list shows the new state: one read row left.
        var rows = Html.Parse(await client.GetTextAsync(list)).QuerySelectorAll("table.messages tbody tr.read");
        Assert.Equal([$"Lot {marker} 0"], rows.Select(r => r.QuerySelector("a.subject")!.TextContent.Trim()));

        var moved = await BulkAsync(client, list, folder, "move", [new("target", target)], uids[0], uids[1]);
        Assert.Contains("Messages déplacés.", moved);
        Assert.Equal([$"Lot {marker} 1", $"Lot {marker} 0"], Html.Subjects(await client.GetTextAsync($"/Mail?f={target}")));
        Assert.Equal([$"Lot {marker} 0", $"Lot {marker} 1"], await SubjectsOverImapAsync(target, marker));
        Assert.Equal([$"Lot {marker} 2", $"Lot {marker} 3"], await SubjectsOverImapAsync(folder, marker));

        // Delete: to Trash. Delete in Trash: gone for good.
        var deleted = await BulkAsync(client, list, folder, "delete", uids[2]);
        Assert.Contains("Messages supprimés.", deleted);
        Assert.Equal([$"Lot {marker} 3"], await SubjectsOverImapAsync(folder, marker));
        Assert.Equal([$"Lot {marker} 2"], await SubjectsOverImapAsync("Trash", marker));

        var trash = await client.GetTextAsync("/Mail?f=Trash&q=" + marker);
        var inTrash = Html.Uids(trash);
        Assert.Single(inTrash);
        await BulkAsync(client, "/Mail?f=Trash", "Trash", "delete", new UniqueId(inTrash[0]));
        Assert.Empty(await SubjectsOverImapAsync("Trash", marker));
        Assert.Empty(Html.Subjects(await client.GetTextAsync("/Mail?f=Trash&q=" + marker)));
    }

    private async Task<string> BulkAsync(WebmailHttpClient client, string list, string folder, string op, params UniqueId[] uids) =>
        await BulkAsync(client, list, folder, op, [], uids);

    private static async Task<string> BulkAsync(WebmailHttpClient client, string list, string folder, string op, KeyValuePair<string, string>[] extra, params UniqueId[] uids)
    {
        var response = await client.PostFormAsync(list, "/Mail?handler=Bulk",
            [new("f", folder), new("op", op), .. extra, .. uids.Select(u => new KeyValuePair<string, string>("uids", u.Id.ToString()))]);
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"bulk {op}: {(int)response.StatusCode}\n{page}");
        return page;
    }

    private async Task<MessageFlags> FlagsAsync(string folderName, UniqueId uid)
    {
        using var imap = await Mailer.ImapAsync(Stack, User);
        var folder = await imap.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var summary = Assert.Single(await folder.FetchAsync([uid], MessageSummaryItems.Flags));
        return summary.Flags!.Value & (MessageFlags.Seen | MessageFlags.Flagged | MessageFlags.Deleted);
    }

    private async Task<List<string>> SubjectsOverImapAsync(string folderName, string marker)
    {
        using var imap = await Mailer.ImapAsync(Stack, User);
        var folder = await imap.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var found = await folder.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(marker));
        return found.Count == 0 ? [] : [.. (await folder.FetchAsync(found, MessageSummaryItems.Envelope)).Select(s => s.Envelope?.Subject ?? string.Empty).Order()];
    }

    private async Task<WebmailHttpClient> LoginAsync()
    {
        var client = new WebmailHttpClient(Stack);
        var login = await client.LoginAsync(User, TestSite.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return client;
    }

    private async Task<string> NewFolderAsync(string prefix)
    {
        var name = $"{prefix}{Guid.NewGuid().ToString("N")[..6]}";
        using var imap = await Mailer.ImapAsync(Stack, User);
        var root = imap.GetFolder(imap.PersonalNamespaces[0]);
        await root.CreateAsync(name, true);
        return name;
    }

    private static List<string> Range(int from, int to) =>
        [.. (from >= to ? Enumerable.Range(to, from - to + 1).Reverse() : Enumerable.Range(from, to - from + 1)).Select(i => $"Message {i:000}")];

    private static MimeMessage Plain(string subject, string from, string text)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(User));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }
}
