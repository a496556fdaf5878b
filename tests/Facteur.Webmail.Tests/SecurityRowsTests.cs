using System.Net;
using System.Text.RegularExpressions;
using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Localization;
using Facteur.Webmail.Tests.Infrastructure;

namespace Facteur.Webmail.Tests;

/// <summary>The security rows of the issue and the two languages, checked page by page over HTTP through the edge.</summary>
[Collection(StackCollection.Name)]
public sealed partial class SecurityRowsTests(BrowserStackFixture fixture)
{
    private MailStack Stack => fixture.Stack;

    public static TheoryData<string> StateChangingPosts => new()
    {
        "/Login",
        "/Logout",
        "/Culture",
        "/Mail?handler=Bulk",
        "/Mail?handler=EmptyTrash",
        "/Mail?handler=CreateFolder",
        "/Mail?handler=RenameFolder",
        "/Mail?handler=DeleteFolder",
        "/Mail/Compose?handler=Send",
        "/Mail/Compose?handler=SaveDraft",
    };

    [Theory]
    [MemberData(nameof(StateChangingPosts))]
    public async Task Every_state_changing_post_without_the_antiforgery_token_is_refused_with_400(string action)
    {
        using var client = new WebmailHttpClient(Stack, followRedirects: false);
        Assert.Equal(HttpStatusCode.Redirect, (await client.LoginAsync("carol@esp.sn", TestSite.Password)).StatusCode);
        var folder = "Csrf" + Guid.NewGuid().ToString("N")[..6];
        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, action)
        {
            Content = new FormUrlEncodedContent(
            [
                new("f", "INBOX"), new("op", "read"), new("uids", "1"), new("name", folder), new("culture", "en"),
                new("To", "bob@esp.sn"), new("Subject", folder), new("email", "carol@esp.sn"), new("password", TestSite.Password),
            ]),
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        // Nothing happened: no folder, still logged in, still in French.
        using var imap = await Mailer.ImapAsync(Stack, "carol@esp.sn");
        Assert.DoesNotContain(await imap.GetFoldersAsync(imap.PersonalNamespaces[0]), f => f.Name == folder);
        var page = await client.GetAsync("/Mail");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Boîte de réception", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_page_has_the_strict_csp_and_no_inline_script_or_event_handler()
    {
        var subject = "CSP " + Guid.NewGuid().ToString("N")[..6];
        var uid = Assert.Single(await Mailer.AppendAsync(Stack, "carol@esp.sn", "INBOX",
            [Mailer.Message("bob@esp.sn", "carol@esp.sn", subject, "texte", html: "<p onclick=\"alert(1)\">bonjour</p>")])).Id;
        using var client = new WebmailHttpClient(Stack);
        var pages = new List<(string Path, HttpResponseMessage Response)> { ("/Login", await client.GetAsync("/Login")) };
        await client.LoginAsync("carol@esp.sn", TestSite.Password);
        foreach (var path in new[] { "/Mail", "/Mail?f=Sent&sort=Subject", $"/Mail/Read?f=INBOX&uid={uid}", "/Mail/Compose", $"/Mail/Compose?mode=reply&f=INBOX&uid={uid}" })
        {
            pages.Add((path, await client.GetAsync(path)));
        }

        foreach (var (path, response) in pages)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, path);
            var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            var directives = csp.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
            Assert.Equal("script-src 'self'", directives["script-src"]);
            Assert.Equal("object-src 'none'", directives["object-src"]);
            Assert.Equal("base-uri 'none'", directives["base-uri"]);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));

            var document = Html.Parse(await response.Content.ReadAsStringAsync());
            Assert.All(document.QuerySelectorAll("script"), script => Assert.Equal("/webmail.js", script.GetAttribute("src")));
            Assert.DoesNotContain(document.All.SelectMany(e => e.Attributes), a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(document.QuerySelectorAll("a[href]"), a => a.GetAttribute("href")!.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task No_password_reaches_the_logs_of_any_service()
    {
        var wrong = "mauvais-" + Guid.NewGuid().ToString("N");
        using var client = new WebmailHttpClient(Stack);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync("carol@esp.sn", wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync("carol@esp.sn", TestSite.Password)).StatusCode);
        await client.GetTextAsync("/Mail");

        // The login was logged (so the capture works), without either password.
        var logs = Stack.Logs;
        Assert.Contains("Webmail login for carol@esp.sn", logs);
        Assert.Contains("Webmail login refused for carol@esp.sn", logs);
        Assert.DoesNotContain(wrong, logs);
        Assert.DoesNotContain(TestSite.Password, logs);
    }

    [Fact]
    public async Task Dates_and_texts_follow_the_users_language_on_the_list_read_and_compose_pages()
    {
        var subject = "Langue " + Guid.NewGuid().ToString("N")[..6];
        var message = Mailer.Message("bob@esp.sn", "carol@esp.sn", subject, "texte");
        message.Date = new DateTimeOffset(2026, 3, 14, 9, 5, 0, TimeSpan.Zero);
        var uid = Assert.Single(await Mailer.AppendAsync(Stack, "carol@esp.sn", "INBOX", [message])).Id;

        using var french = new WebmailHttpClient(Stack, language: "fr-FR");
        await french.LoginAsync("carol@esp.sn", TestSite.Password);
        var frList = await french.GetTextAsync($"/Mail?q={subject}");
        Assert.Contains("14/03/2026", frList);
        Assert.Contains("Rechercher", frList);
        Assert.Contains("samedi 14 mars 2026", await french.GetTextAsync($"/Mail/Read?f=INBOX&uid={uid}"));
        Assert.Contains("Enregistrer le brouillon", await french.GetTextAsync("/Mail/Compose"));

        using var english = new WebmailHttpClient(Stack, language: "en-US");
        await english.LoginAsync("carol@esp.sn", TestSite.Password);
        var enList = await english.GetTextAsync($"/Mail?q={subject}");
        Assert.Contains("3/14/2026", enList);
        Assert.Contains("Search", enList);
        Assert.Contains("Saturday, March 14, 2026", await english.GetTextAsync($"/Mail/Read?f=INBOX&uid={uid}"));
        Assert.Contains("Save draft", await english.GetTextAsync("/Mail/Compose"));
    }

    [Fact]
    public void Every_text_the_pages_use_exists_in_french_and_english()
    {
        var pages = Path.Combine(Binaries.Root, "services", "webmail", "Pages");
        var used = Directory.EnumerateFiles(pages, "*.cshtml", SearchOption.AllDirectories)
            .SelectMany(file => TextKey().Matches(File.ReadAllText(file)).Select(m => (File: Path.GetFileName(file), Key: m.Groups[1].Value)))
            .ToList();
        Assert.True(used.Count > 50, "the pattern finds the pages' texts");
        var known = Texts.Keys.ToHashSet();
        Assert.DoesNotContain(used, u => !known.Contains(u.Key));
    }

    [GeneratedRegex("T(?:\\.Format\\(|\\[)\"([A-Za-z]+)\"")]
    private static partial Regex TextKey();
}
