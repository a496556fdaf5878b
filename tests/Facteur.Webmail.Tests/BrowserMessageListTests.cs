using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;
using MailKit;
using Microsoft.Playwright;
using MimeKit;

namespace Facteur.Webmail.Tests;

/// <summary>The list's controls in headless Chromium through the edge: pager, sort link, select all + move, folder creation, the upload size check.</summary>
[Collection(StackCollection.Name)]
public sealed class BrowserMessageListTests(BrowserStackFixture fixture)
{
    private const string User = "dave@esp.sn";

    private MailStack Stack => fixture.Stack;

    [Fact]
    public async Task User_pages_sorts_selects_all_to_move_creates_a_folder_and_is_warned_of_a_too_big_upload()
    {
        var folder = "Navigateur" + Guid.NewGuid().ToString("N")[..6];
        using (var imap = await Mailer.ImapAsync(Stack, User))
        {
            await imap.GetFolder(imap.PersonalNamespaces[0]).CreateAsync(folder, true);
        }

        await Mailer.AppendAsync(Stack, User, folder, Enumerable.Range(0, 60).Select(i =>
        {
            var message = Mailer.Message("bob@esp.sn", User, $"Courrier {i:00}", "texte");
            message.Date = new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero).AddHours(i);
            return message;
        }));

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{Stack.BaseUrl}/Mail?f={folder}");
        await page.FillAsync("#email", User);
        await page.FillAsync("#password", TestSite.Password);
        await page.ClickAsync("#login");
        await page.WaitForURLAsync($"**/Mail?f={folder}");

        // Page 1 holds 50, newest first; "Suivant" shows the last 10.
        var subjects = page.Locator("table.messages tbody a.subject");
        await Assertions.Expect(subjects).ToHaveCountAsync(50);
        await Assertions.Expect(subjects.First).ToHaveTextAsync("Courrier 59");
        await page.ClickAsync("#page-next");
        await Assertions.Expect(subjects).ToHaveCountAsync(10);
        await Assertions.Expect(subjects.First).ToHaveTextAsync("Courrier 09");
        await Assertions.Expect(page.Locator(".pager")).ToContainTextAsync("Page 2 sur 2");

        // The subject header sorts A→Z, then Z→A.
        await page.ClickAsync("table.messages thead a:text('Objet')");
        await Assertions.Expect(subjects.First).ToHaveTextAsync("Courrier 00");
        await page.ClickAsync("table.messages thead a:text('Objet')");
        await Assertions.Expect(subjects.First).ToHaveTextAsync("Courrier 59");

        // Select all on the page and move them to a new folder created from the page.
        var target = "Classés" + Guid.NewGuid().ToString("N")[..4];
        await page.ClickAsync("details summary");
        await page.FillAsync("#new-folder", target);
        await page.ClickAsync("form[action*='CreateFolder'] button");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(target);
        await page.GotoAsync($"{Stack.BaseUrl}/Mail?f={folder}");
        await page.CheckAsync("#select-all");
        await Assertions.Expect(page.Locator("input[name=uids]:checked")).ToHaveCountAsync(50);
        await page.SelectOptionAsync("#target", target);
        await page.ClickAsync("#bulk-move");
        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("Messages déplacés.");
        await Assertions.Expect(subjects).ToHaveCountAsync(10);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Binaries.Screenshots, "list-after-move.png"), FullPage = true });

        using (var imap = await Mailer.ImapAsync(Stack, User))
        {
            var moved = await imap.GetFolderAsync(target);
            await moved.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal(50, moved.Count);
            var source = await imap.GetFolderAsync(folder);
            await source.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal(10, source.Count);
        }

        // The compose page says at once that an attachment is over the limit (5,000,000 bytes here).
        await page.ClickAsync("#compose");
        var big = Path.Combine(Stack.Site.Root, "gros.bin");
        await File.WriteAllBytesAsync(big, new byte[5_500_000]);
        await page.SetInputFilesAsync("#uploads", big);
        await Assertions.Expect(page.Locator("#upload-error")).ToHaveTextAsync("Le message dépasse la taille maximale (4,8 Mo).");
        Assert.False(await page.EvalOnSelectorAsync<bool>("#uploads", "input => input.checkValidity()"));
    }
}
