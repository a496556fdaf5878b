using System.Net;
using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;

namespace Facteur.Webmail.Tests;

/// <summary>Two webmail processes behind the edge; the session lives in the Data Protection-protected cookie.</summary>
/// <remarks>
/// Its own stack (five processes), started one after the shared stack's tests rather than beside them: on
/// two cores the two cold starts together twice kept the shared stack's first login past Playwright's
/// 60 s wait (XssCorpusTests, clean-clone runs of 2026-11-29).
/// </remarks>
[Collection(StackCollection.Name)]
public sealed class ReplicaFailoverTests : IAsyncLifetime
{
    private readonly MailStack _stack = new(replicas: 2);

    public Task InitializeAsync() => _stack.StartAsync();

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Killing_one_webmail_replica_mid_session_keeps_the_user_logged_in_and_served()
    {
        await Mailer.SendAsync(_stack, Mailer.Message("bob@esp.sn", "alice@esp.sn", "Bienvenue au bureau", "Bonjour Alice"));
        Assert.NotNull(await Mailer.WaitForSubjectAsync(_stack, "alice@esp.sn", "INBOX", "Bienvenue au bureau", TimeSpan.FromSeconds(20)));

        using var browser = new WebmailHttpClient(_stack);
        var login = await browser.LoginAsync("alice@esp.sn", TestSite.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.EndsWith("/Mail", login.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(_stack.EdgePort, login.RequestMessage.RequestUri.Port);

        // Round robin: a few requests reach both replicas with the same cookie.
        for (var i = 0; i < 4; i++)
        {
            var page = await browser.GetAsync("/Mail");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("Bienvenue au bureau", await page.Content.ReadAsStringAsync());
        }

        _stack.Webmails[0].Kill();

        for (var i = 0; i < 10; i++)
        {
            var page = await browser.GetAsync("/Mail");
            var html = await page.Content.ReadAsStringAsync();
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"request {i} after the kill: {(int)page.StatusCode}\n{_stack.Logs}");
            Assert.Contains("Bienvenue au bureau", html);
            Assert.Equal("/Mail", page.RequestMessage!.RequestUri!.AbsolutePath);
            Assert.Equal(_stack.EdgePort, page.RequestMessage.RequestUri.Port);
        }

        Assert.False(_stack.Webmails[1].HasExited);
    }

    [Fact]
    public async Task A_session_cookie_issued_by_one_replica_is_accepted_by_the_other()
    {
        using var browser = new WebmailHttpClient(_stack);
        Assert.Equal(HttpStatusCode.OK, (await browser.LoginAsync("bob@esp.sn", TestSite.Password)).StatusCode);

        // Straight to each replica, bypassing the edge, with the cookie the login set.
        var cookie = browser.Cookies.GetCookies(new Uri($"http://127.0.0.1:{_stack.EdgePort}"))[WebmailModule.CookieName];
        Assert.NotNull(cookie);
        foreach (var port in _stack.WebmailPorts)
        {
            using var direct = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/Mail");
            request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
            var response = await direct.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("bob@esp.sn", await response.Content.ReadAsStringAsync());
        }
    }
}
