using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;
using Microsoft.Playwright;
using MimeKit;

namespace Facteur.Webmail.Tests;

/// <summary>Hostile mails opened in the browser: nothing runs, nothing is fetched from outside until allowed.</summary>
[Collection(StackCollection.Name)]
public sealed class XssCorpusTests(BrowserStackFixture fixture)
{
    private const string Remote = "remote.invalid";

    public static TheoryData<string, string> Corpus => new()
    {
        { "script tag", "<p>Bonjour</p><script>alert('xss-script')</script><script src=\"http://remote.invalid/x.js\"></script>" },
        { "event handlers", "<img src=x onerror=\"alert('xss-onerror')\"><body onload=\"alert('xss-onload')\"><div onmouseover=\"alert(1)\">survol</div>" },
        { "javascript urls", "<a id=\"js\" href=\"javascript:alert('xss-href')\">lien</a><iframe src=\"javascript:alert('xss-iframe')\"></iframe><form action=\"javascript:alert(2)\"><button>go</button></form>" },
        { "data urls", "<a href=\"data:text/html,&lt;script&gt;alert('xss-data')&lt;/script&gt;\">d</a><object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzLW9iamVjdCcpPC9zY3JpcHQ+\"></object><embed src=\"data:image/svg+xml,&lt;svg onload=alert(3)&gt;\">" },
        { "css expression and import", "<style>@import url(http://remote.invalid/evil.css); body { background: url(http://remote.invalid/bg.png) }</style><div style=\"width: expression(alert('xss-expr')); background-image: url(javascript:alert(4))\">css</div>" },
        { "svg with script", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert('xss-svg')</script><circle r=\"5\" onload=\"alert(5)\"/><a xlink:href=\"javascript:alert(6)\"><text>t</text></a></svg>" },
        { "malformed html", "<<img src=x onerror=alert('xss-malformed')//><scr<script>ipt>alert(7)</scr</script>ipt><math><mi xlink:href=\"javascript:alert(8)\">m</mi></math><!--<img src=\"--><img src=x onerror=alert(9)//\">" },
        { "meta refresh and base", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(10)\"><base href=\"http://remote.invalid/\"><img src=\"pixel.png\">" },
        { "remote image", "<p>Newsletter</p><img id=\"tracker\" src=\"http://remote.invalid/track.png\">" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Hostile_html_mail_renders_inert(string name, string html)
    {
        var subject = $"XSS {name} {Guid.NewGuid():N}";
        await Mailer.SendAsync(fixture.Stack, Mailer.Message("mallory@example.test", "carol@esp.sn", subject, "texte", html: html));
        Assert.NotNull(await Mailer.WaitForSubjectAsync(fixture.Stack, "carol@esp.sn", "INBOX", subject, TimeSpan.FromSeconds(30)));

        var (page, observed) = await OpenAsync(subject);
        await page.Locator("a.subject", new() { HasText = subject }).ClickAsync();
        await page.Locator("#mail-body").WaitForAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var frame = page.FrameLocator("#mail-body");
        await frame.Locator("body").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        Assert.Empty(observed.Dialogs);
        Assert.Empty(observed.RemoteRequests);
        // The mail's HTML is only in the sandboxed frame, never in the page itself.
        Assert.DoesNotContain("alert(", await page.ContentAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('script:not([src=\"/webmail.js\"])').length"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Remote_images_load_only_after_the_user_allows_them_for_that_message()
    {
        var subject = $"Images distantes {Guid.NewGuid():N}";
        await Mailer.SendAsync(fixture.Stack, Mailer.Message("news@example.test", "carol@esp.sn", subject, "texte",
            html: "<p>Lettre</p><img id=\"tracker\" src=\"http://remote.invalid/track.png\">"));
        Assert.NotNull(await Mailer.WaitForSubjectAsync(fixture.Stack, "carol@esp.sn", "INBOX", subject, TimeSpan.FromSeconds(30)));

        var (page, observed) = await OpenAsync(subject);
        await page.Locator("a.subject", new() { HasText = subject }).ClickAsync();
        await page.Locator("#remote-blocked").WaitForAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Empty(observed.RemoteRequests);

        await page.ClickAsync("#show-images");
        await page.Locator("#mail-body").WaitForAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (observed.RemoteRequests.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Contains(observed.RemoteRequests, url => url.EndsWith("/track.png", StringComparison.Ordinal));
        Assert.Empty(observed.Dialogs);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_attached_message_carrying_script_is_viewable_and_inert()
    {
        var inner = Mailer.Message("mallory@example.test", "someone@example.test", "Message piégé", "x",
            html: "<p>Contenu joint</p><script>alert('xss-rfc822')</script><img src=x onerror=\"alert('xss-rfc822-img')\">");
        var subject = $"Transfert {Guid.NewGuid():N}";
        var outer = Mailer.Message("mallory@example.test", "carol@esp.sn", subject, "Voir la pièce jointe");
        var body = new BodyBuilder { TextBody = "Voir la pièce jointe" };
        body.Attachments.Add(new MessagePart { Message = inner });
        outer.Body = body.ToMessageBody();
        await Mailer.SendAsync(fixture.Stack, outer);
        Assert.NotNull(await Mailer.WaitForSubjectAsync(fixture.Stack, "carol@esp.sn", "INBOX", subject, TimeSpan.FromSeconds(30)));

        var (page, observed) = await OpenAsync(subject);
        await page.Locator("a.subject", new() { HasText = subject }).ClickAsync();
        await page.Locator("a.view-message").First.ClickAsync();
        await Assertions.Expect(page.Locator("#subject")).ToHaveTextAsync("Message piégé");
        await Assertions.Expect(page.FrameLocator("#mail-body").Locator("p")).ToHaveTextAsync("Contenu joint");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.Empty(observed.Dialogs);
        Assert.Empty(observed.RemoteRequests);
        await page.Context.CloseAsync();
    }

    private async Task<(IPage Page, Observed Observed)> OpenAsync(string subject)
    {
        var context = await fixture.NewContextAsync();
        var observed = new Observed();
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Host == MailStack.WebHost)
            {
                await route.ContinueAsync();
                return;
            }

            observed.RemoteRequests.Add(route.Request.Url);

            // A 1×1 GIF, so an allowed remote image loads like it would on the Internet.
            await route.FulfillAsync(new() { Status = 200, ContentType = "image/gif", BodyBytes = Convert.FromBase64String("R0lGODlhAQABAAAAACw=") });
        });
        var page = await context.NewPageAsync();
        page.Dialog += (_, dialog) =>
        {
            observed.Dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        await page.GotoAsync(fixture.Stack.BaseUrl + "/Login");
        await page.FillAsync("#email", "carol@esp.sn");
        await page.FillAsync("#password", TestSite.Password);
        await page.ClickAsync("#login");
        await page.WaitForURLAsync("**/Mail");
        await page.GotoAsync(fixture.Stack.BaseUrl + "/Mail?q=" + Uri.EscapeDataString(subject.Split(' ')[^1]));
        return (page, observed);
    }

    private sealed class Observed
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Dialogs { get; } = [];

        public System.Collections.Concurrent.ConcurrentBag<string> RemoteRequests { get; } = [];
    }
}
