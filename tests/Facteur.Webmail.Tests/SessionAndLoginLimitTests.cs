using System.Net;
using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;

namespace Facteur.Webmail.Tests;

/// <summary>
/// Session expiry, server-side logout, and the login limits: the webmail's per-account and
/// per-address throttle (through the shared edge) and the edge's own per-address limit on
/// POST /Login (a second edge with TLS and a limit of 3 a minute). Other client addresses are
/// 127.0.0.x: loopback is a /8 on Linux.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SessionAndLoginLimitTests(BrowserStackFixture fixture)
{
    private MailStack Stack => fixture.Stack;

    [Fact]
    public async Task An_idle_session_expires_back_to_login_then_returns_to_the_page_asked()
    {
        // A webmail replica whose sessions last 5 seconds without a request.
        var port = FreePort.Next();
        await Stack.StartExtraWebmailAsync(port, new Dictionary<string, string> { ["Webmail__SessionTimeout"] = "00:00:05" });
        using var client = new WebmailHttpClient(Stack, followRedirects: false, port: port);
        var login = await client.LoginAsync("carol@esp.sn", TestSite.Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Mail?f=Sent")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(7));
        var expired = await client.GetAsync("/Mail?f=Sent");
        Assert.Equal(HttpStatusCode.Redirect, expired.StatusCode);
        var location = expired.Headers.Location!;
        Assert.Equal("/Login", location.AbsolutePath);
        Assert.Contains("returnUrl=%2FMail%3Ff%3DSent", location.Query);

        var loginPage = await client.GetTextAsync(location.PathAndQuery);
        Assert.Contains("Votre session a expiré", loginPage);
        var fields = Html.FormFields(loginPage, "main form").With("email", "carol@esp.sn").With("password", TestSite.Password);
        Assert.Equal("/Mail?f=Sent", fields.Single(f => f.Key == "returnUrl").Value);
        var again = await client.PostFormAsync(location.PathAndQuery, "/Login", fields);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal("/Mail?f=Sent", again.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Mail?f=Sent")).StatusCode);
    }

    [Fact]
    public async Task Logout_ends_the_session_on_the_server_so_a_copied_cookie_no_longer_works()
    {
        using var client = new WebmailHttpClient(Stack);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync("bob@esp.sn", TestSite.Password)).StatusCode);
        var copied = client.SessionCookie;
        Assert.NotNull(copied);
        Assert.Equal(HttpStatusCode.OK, (await ReplayAsync(copied)).StatusCode);

        var logout = await client.PostFormAsync("/Mail", "/Logout", []);
        Assert.EndsWith("/Login", logout.RequestMessage!.RequestUri!.AbsolutePath);

        // Round robin over both replicas: neither accepts the old cookie.
        for (var i = 0; i < 4; i++)
        {
            var replay = await ReplayAsync(copied);
            Assert.Equal(HttpStatusCode.Redirect, replay.StatusCode);
            Assert.Equal("/Login", replay.Headers.Location!.AbsolutePath);
        }

        foreach (var port in Stack.WebmailPorts)
        {
            using var direct = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/Mail");
            request.Headers.Add("Cookie", copied);
            Assert.Equal(HttpStatusCode.Redirect, (await direct.SendAsync(request)).StatusCode);
        }
    }

    [Fact]
    public async Task Repeated_bad_passwords_block_the_account_from_every_address_while_others_still_log_in()
    {
        const string victim = "gina@esp.sn";
        using var attacker = new WebmailHttpClient(Stack, sourceAddress: "127.0.0.21");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LoginAsync(victim, "devine" + i)).StatusCode);
        }

        var blocked = await attacker.LoginAsync(victim, "devine encore");
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Contains("Trop de tentatives", await blocked.Content.ReadAsStringAsync());

        // Even the right password, from another address, waits: the account is what is protected.
        using var owner = new WebmailHttpClient(Stack, sourceAddress: "127.0.0.22");
        var refused = await owner.LoginAsync(victim, TestSite.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        using var other = new WebmailHttpClient(Stack, sourceAddress: "127.0.0.23");
        Assert.Equal(HttpStatusCode.OK, (await other.LoginAsync("carol@esp.sn", TestSite.Password)).StatusCode);
        Assert.Contains("carol@esp.sn", await other.GetTextAsync("/Mail"));
    }

    [Fact]
    public async Task Many_bad_logins_from_one_address_block_that_address_only()
    {
        using var sprayer = new WebmailHttpClient(Stack, sourceAddress: "127.0.0.31");
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await sprayer.LoginAsync($"inconnu{i}-{Guid.NewGuid():N}@esp.sn", "x")).StatusCode);
        }

        var blocked = await sprayer.LoginAsync("erin@esp.sn", TestSite.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Contains("Trop de tentatives", await blocked.Content.ReadAsStringAsync());

        using var elsewhere = new WebmailHttpClient(Stack, sourceAddress: "127.0.0.32");
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.LoginAsync("erin@esp.sn", TestSite.Password)).StatusCode);
    }

    [Fact]
    public async Task A_replica_limits_login_posts_per_address_on_its_own_with_retry_after()
    {
        // A replica reached directly (no edge) with a limit of 2 login posts a minute per address.
        var port = FreePort.Next();
        await Stack.StartExtraWebmailAsync(port, new Dictionary<string, string> { ["Webmail__LoginRequestsPerMinute"] = "2" });
        using var guesser = new WebmailHttpClient(Stack, followRedirects: false, sourceAddress: "127.0.0.51", port: port);
        Assert.Equal(HttpStatusCode.Redirect, (await guesser.LoginAsync("carol@esp.sn", TestSite.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.LoginAsync("carol@esp.sn", "pas le bon")).StatusCode);
        var refused = await guesser.LoginAsync("carol@esp.sn", TestSite.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After"))), 1, 60);

        // The login form is still served, and another address still signs in.
        Assert.Equal(HttpStatusCode.OK, (await guesser.GetAsync("/Login")).StatusCode);
        using var colleague = new WebmailHttpClient(Stack, followRedirects: false, sourceAddress: "127.0.0.52", port: port);
        Assert.Equal(HttpStatusCode.Redirect, (await colleague.LoginAsync("bob@esp.sn", TestSite.Password)).StatusCode);
    }

    [Fact]
    public async Task The_edge_limits_login_posts_per_address_and_under_tls_sets_secure_cookies_and_hsts()
    {
        var httpPort = FreePort.Next();
        var httpsPort = FreePort.Next();
        var (certificate, key) = TestCertificate.WritePem(Path.Combine(Stack.Site.Root, "edge-tls"));
        await Stack.StartExtraEdgeAsync(httpPort, new Dictionary<string, string>
        {
            ["Http__HttpsPort"] = httpsPort.ToString(),
            ["Http__LoginRequestsPerMinute"] = "3",
            ["Facteur__Tls__CertificatePath"] = certificate,
            ["Facteur__Tls__KeyPath"] = key,
        }, httpsPort);

        // Plain HTTP is redirected to HTTPS.
        using (var plain = new WebmailHttpClient(Stack, followRedirects: false, port: httpPort))
        {
            var redirect = await plain.GetAsync("/Login");
            Assert.Equal(HttpStatusCode.PermanentRedirect, redirect.StatusCode);
            Assert.Equal("https", redirect.Headers.Location!.Scheme);
        }

        // Under TLS: HSTS, and the session cookie is Secure (as well as HttpOnly and SameSite=Lax).
        using (var browser = new WebmailHttpClient(Stack, followRedirects: false, sourceAddress: "127.0.0.41", port: httpsPort, https: true))
        {
            var page = await browser.GetAsync("/Login");
            Assert.Contains("max-age=", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")));
            var signIn = await browser.LoginAsync("carol@esp.sn", TestSite.Password);
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            var session = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("facteur.session=", StringComparison.Ordinal));
            Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
            var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("facteur.csrf=", StringComparison.Ordinal));
            Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
        }

        // Three login posts a minute from one address, then 429 at the edge.
        using var guesser = new WebmailHttpClient(Stack, sourceAddress: "127.0.0.42", port: httpsPort, https: true);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await guesser.LoginAsync("nobody@esp.sn", "x")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);

        // Another address still logs in through the same edge.
        using var colleague = new WebmailHttpClient(Stack, sourceAddress: "127.0.0.43", port: httpsPort, https: true);
        var ok = await colleague.LoginAsync("bob@esp.sn", TestSite.Password);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("bob@esp.sn", await ok.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> ReplayAsync(string cookie)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Stack.EdgePort}/Mail");
        request.Headers.Host = $"{MailStack.WebHost}:{Stack.EdgePort}";
        request.Headers.Add("Cookie", cookie);
        return await http.SendAsync(request);
    }
}
