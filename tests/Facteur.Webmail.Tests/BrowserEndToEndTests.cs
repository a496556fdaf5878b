using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;
using MailKit;
using Microsoft.Playwright;
using MimeKit;

namespace Facteur.Webmail.Tests;

/// <summary>The webmail in headless Chromium, through the edge, against Facteur's SMTP and IMAP.</summary>
[Collection(StackCollection.Name)]
public sealed class BrowserEndToEndTests(BrowserStackFixture fixture)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    private MailStack Stack => fixture.Stack;

    [Fact]
    public async Task User_reads_downloads_replies_to_all_with_attachment_saves_a_draft_deletes_and_switches_language()
    {
        var attachmentText = "Ordre du jour : budget " + Guid.NewGuid().ToString("N");
        await Mailer.SendAsync(Stack, Mailer.Message(
            "bob@esp.sn", "alice@esp.sn", "Réunion de lundi", "Bonjour Alice,\nvoici l'ordre du jour.\nBob",
            cc: "carol@esp.sn", attachment: ("ordre-du-jour.txt", System.Text.Encoding.UTF8.GetBytes(attachmentText))));
        Assert.NotNull(await Mailer.WaitForSubjectAsync(Stack, "alice@esp.sn", "INBOX", "Réunion de lundi", Delivery));

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        // Log in: an unauthenticated visit lands on the login form.
        await page.GotoAsync(Stack.BaseUrl + "/");
        Assert.EndsWith("/Login", new Uri(page.Url).AbsolutePath);
        await page.FillAsync("#email", "alice@esp.sn");
        await page.FillAsync("#password", TestSite.Password);
        await page.ClickAsync("#login");
        await page.WaitForURLAsync("**/Mail");
        Assert.Equal(MailStack.WebHost, new Uri(page.Url).Host);

        // The inbox lists the message, unread, with the attachment marker; the folder shows an unread count.
        var row = page.Locator("tr.unread", new() { HasText = "Réunion de lundi" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator(".m-attachment")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("nav.folders a.current .count")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Boîte de réception");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Binaries.Screenshots, "inbox.png"), FullPage = true });

        // Open it.
        await row.Locator("a.subject").ClickAsync();
        await Assertions.Expect(page.Locator("#subject")).ToHaveTextAsync("Réunion de lundi");
        await Assertions.Expect(page.Locator("#mail-text")).ToContainTextAsync("voici l'ordre du jour");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Binaries.Screenshots, "message.png"), FullPage = true });

        // Download the attachment.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("a.download").First.ClickAsync());
        Assert.Equal("ordre-du-jour.txt", download.SuggestedFilename);
        var saved = Path.Combine(Stack.Site.Root, "downloaded.txt");
        await download.SaveAsAsync(saved);
        Assert.Equal(attachmentText, await File.ReadAllTextAsync(saved));

        // Reply to all, with an attachment of our own.
        await page.ClickAsync("#reply-all");
        await Assertions.Expect(page.Locator("#to")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("bob@esp.sn"));
        await Assertions.Expect(page.Locator("#cc")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("carol@esp.sn"));
        var replyAttachment = Path.Combine(Stack.Site.Root, "compte-rendu.txt");
        await File.WriteAllTextAsync(replyAttachment, "Compte rendu de la réunion");
        await page.SetInputFilesAsync("#uploads", replyAttachment);
        await page.FillAsync("#body", "Entendu, à lundi.\n" + await page.InputValueAsync("#body"));
        await page.ClickAsync("#send");
        await page.WaitForURLAsync("**/Mail");
        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("Message envoyé.");

        // The reply reached every recipient's INBOX, and the sender's Sent, with the attachment.
        foreach (var (account, folder) in new[] { ("bob@esp.sn", "INBOX"), ("carol@esp.sn", "INBOX"), ("alice@esp.sn", "Sent") })
        {
            var reply = await Mailer.WaitForSubjectAsync(Stack, account, folder, "Re: Réunion de lundi", Delivery);
            Assert.True(reply is not null, $"no reply in {account}'s {folder}\n{Stack.Logs}");
            Assert.Contains("Entendu, à lundi.", reply.TextBody);
            Assert.Contains(reply.Attachments, a => a is MimePart { FileName: "compte-rendu.txt" });
            Assert.NotNull(reply.InReplyTo);
        }

        // Save a draft, find it in Drafts, resume it.
        await page.ClickAsync("#compose");
        await page.FillAsync("#to", "bob@esp.sn");
        await page.FillAsync("#subject", "Brouillon du budget");
        await page.FillAsync("#body", "Premier jet");
        await page.ClickAsync("#save-draft");
        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("Brouillon enregistré.");
        await page.Locator("a.subject", new() { HasText = "Brouillon du budget" }).ClickAsync();
        await Assertions.Expect(page.Locator("#subject")).ToHaveValueAsync("Brouillon du budget");
        await Assertions.Expect(page.Locator("#body")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("Premier jet"));
        Assert.NotNull(await Mailer.WaitForSubjectAsync(Stack, "alice@esp.sn", "Drafts", "Brouillon du budget", Delivery));

        // Delete the message: it goes to Trash.
        await page.GotoAsync(Stack.BaseUrl + "/Mail");
        await page.Locator("a.subject", new() { HasText = "Réunion de lundi" }).ClickAsync();
        await page.ClickAsync("#delete");
        await page.WaitForURLAsync("**/Mail?**");
        await Assertions.Expect(page.Locator("a.subject", new() { HasText = "Réunion de lundi" })).ToHaveCountAsync(0);
        Assert.NotNull(await Mailer.WaitForSubjectAsync(Stack, "alice@esp.sn", "Trash", "Réunion de lundi", Delivery));
        using (var imap = await Mailer.ImapAsync(Stack, "alice@esp.sn"))
        {
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            Assert.Empty(await imap.Inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains("Réunion de lundi")));
        }

        // English and back.
        await page.ClickAsync("#lang-en");
        await Assertions.Expect(page.Locator("nav.folders")).ToContainTextAsync("Inbox");
        await Assertions.Expect(page.Locator("#compose")).ToHaveTextAsync("Compose");
        await page.ClickAsync("#lang-fr");
        await Assertions.Expect(page.Locator("nav.folders")).ToContainTextAsync("Boîte de réception");
        await Assertions.Expect(page.Locator("#compose")).ToHaveTextAsync("Nouveau message");

        // Log out: the session is gone.
        await page.ClickAsync("#logout");
        await page.WaitForURLAsync("**/Login");
        await page.GotoAsync(Stack.BaseUrl + "/Mail");
        Assert.EndsWith("/Login", new Uri(page.Url).AbsolutePath);
        Assert.Equal(MailStack.WebHost, new Uri(page.Url).Host);
    }
}
