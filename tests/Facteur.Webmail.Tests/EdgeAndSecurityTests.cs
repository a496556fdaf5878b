using System.Net;
using System.Text;
using System.Xml.Linq;
using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;

namespace Facteur.Webmail.Tests;

/// <summary>The edge's own endpoints and the webmail's HTTP-level protections, seen by a plain HTTP client.</summary>
[Collection(StackCollection.Name)]
public sealed class EdgeAndSecurityTests(BrowserStackFixture fixture)
{
    private MailStack Stack => fixture.Stack;

    [Theory]
    [InlineData("/.well-known/autoconfig/mail/config-v1.1.xml")]
    [InlineData("/mail/config-v1.1.xml?emailaddress=alice%40esp.sn")]
    public async Task Thunderbird_autoconfig_is_valid_xml_naming_the_mail_host_and_ports(string path)
    {
        using var client = new WebmailHttpClient(Stack);
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());

        var provider = xml.Root!.Element("emailProvider")!;
        Assert.Equal("clientConfig", xml.Root.Name.LocalName);
        Assert.Equal("1.1", xml.Root.Attribute("version")!.Value);
        Assert.Equal("esp.sn", provider.Attribute("id")!.Value);
        Assert.Contains(provider.Elements("domain"), d => d.Value == "esp.sn");
        var servers = provider.Elements("incomingServer").Concat(provider.Elements("outgoingServer"))
            .Select(s => (Type: s.Attribute("type")!.Value, Host: s.Element("hostname")!.Value, Port: int.Parse(s.Element("port")!.Value), Socket: s.Element("socketType")!.Value))
            .ToList();
        Assert.All(servers, s => Assert.Equal("mx.esp.sn", s.Host));
        Assert.Contains(("imap", "mx.esp.sn", 993, "SSL"), servers);
        Assert.Contains(("imap", "mx.esp.sn", 143, "STARTTLS"), servers);
        Assert.Contains(("smtp", "mx.esp.sn", 465, "SSL"), servers);
        Assert.Contains(("smtp", "mx.esp.sn", 587, "STARTTLS"), servers);
        Assert.All(provider.Descendants("username"), u => Assert.Equal("%EMAILADDRESS%", u.Value));
    }

    [Fact]
    public async Task Outlook_autodiscover_answers_the_posted_address_with_imap_and_smtp_settings()
    {
        using var client = new WebmailHttpClient(Stack);
        const string request = """
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
              <Request><EMailAddress>bob@esp.sn</EMailAddress>
              <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request>
            </Autodiscover>
            """;
        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/autodiscover/autodiscover.xml")
        {
            Content = new StringContent(request, Encoding.UTF8, "text/xml"),
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        XNamespace a = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
        var protocols = xml.Descendants(a + "Protocol").ToDictionary(p => p.Element(a + "Type")!.Value);
        Assert.Equal("mx.esp.sn", protocols["IMAP"].Element(a + "Server")!.Value);
        Assert.Equal("993", protocols["IMAP"].Element(a + "Port")!.Value);
        Assert.Equal("465", protocols["SMTP"].Element(a + "Port")!.Value);
        Assert.Equal("bob@esp.sn", protocols["SMTP"].Element(a + "LoginName")!.Value);
    }

    [Fact]
    public async Task Mta_sts_policy_is_served_on_the_mta_sts_host_only()
    {
        using var http = new HttpClient();
        using var onPolicyHost = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Stack.EdgePort}/.well-known/mta-sts.txt");
        onPolicyHost.Headers.Host = "mta-sts.esp.sn";
        var policy = await http.SendAsync(onPolicyHost);
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        var lines = (await policy.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("version: STSv1", lines[0]);
        Assert.Contains("mx: mx.esp.sn", lines);
        Assert.Contains(lines, l => l.StartsWith("mode: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("max_age: ", StringComparison.Ordinal));

        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Stack.EdgePort}/.well-known/mta-sts.txt");
        elsewhere.Headers.Host = "www.esp.sn";
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(elsewhere)).StatusCode);
    }

    [Fact]
    public async Task Pages_carry_a_strict_csp_nosniff_and_httponly_samesite_cookies()
    {
        using var client = new WebmailHttpClient(Stack, followRedirects: false);
        var login = await client.GetAsync("/Login");
        var csp = Assert.Single(login.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)));
        Assert.Contains("frame-ancestors 'self'", csp);
        Assert.Equal("nosniff", Assert.Single(login.Headers.GetValues("X-Content-Type-Options")));
        Assert.DoesNotContain("<script>", await login.Content.ReadAsStringAsync());

        var signIn = await client.LoginAsync("alice@esp.sn", TestSite.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var session = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("facteur.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TestSite.Password, session);
    }

    [Fact]
    public async Task A_state_changing_post_without_the_antiforgery_token_is_refused()
    {
        using var client = new WebmailHttpClient(Stack);
        await client.LoginAsync("bob@esp.sn", TestSite.Password);
        var forged = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/Mail?handler=EmptyTrash")
        {
            Content = new FormUrlEncodedContent([new("f", "Trash")]),
        });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        var logout = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/Logout") { Content = new FormUrlEncodedContent([]) });
        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Mail")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_a_stale_session_cookie_asks_to_log_in_again()
    {
        using var client = new WebmailHttpClient(Stack);
        var refused = await client.LoginAsync("alice@esp.sn", "not the password");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Adresse ou mot de passe incorrect.", await refused.Content.ReadAsStringAsync());

        using var stale = new WebmailHttpClient(Stack, followRedirects: false);
        stale.Cookies.Add(new Uri($"http://127.0.0.1:{Stack.EdgePort}"), new Cookie("facteur.session", "CfDJ8-expired-or-forged"));
        var challenge = await stale.GetAsync("/Mail");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var location = challenge.Headers.Location!;
        Assert.Equal(MailStack.WebHost, location.Host);
        Assert.Equal("/Login", location.AbsolutePath);
        var page = await stale.GetAsync(location.PathAndQuery);
        Assert.Contains("Votre session a expiré.", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Attachments_download_with_content_disposition_attachment_and_nosniff()
    {
        var subject = $"Pièce HTML {Guid.NewGuid():N}";
        var message = Mailer.Message("bob@esp.sn", "alice@esp.sn", subject, "voir pièce jointe");
        var body = new MimeKit.BodyBuilder { TextBody = "voir pièce jointe" };
        body.Attachments.Add("page.html", Encoding.UTF8.GetBytes("<script>alert(1)</script>"), new MimeKit.ContentType("text", "html"));
        message.Body = body.ToMessageBody();
        await Mailer.SendAsync(Stack, message);
        Assert.NotNull(await Mailer.WaitForSubjectAsync(Stack, "alice@esp.sn", "INBOX", subject, TimeSpan.FromSeconds(30)));

        using var imap = await Mailer.ImapAsync(Stack, "alice@esp.sn");
        await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        var uid = (await imap.Inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(subject)))[0];

        using var client = new WebmailHttpClient(Stack);
        await client.LoginAsync("alice@esp.sn", TestSite.Password);
        var read = await (await client.GetAsync($"/Mail/Read?f=INBOX&uid={uid.Id}")).Content.ReadAsStringAsync();
        Assert.Contains("page.html", read);
        var download = await client.GetAsync($"/Mail/Part?f=INBOX&uid={uid.Id}&path=1");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("page.html", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("nosniff", Assert.Single(download.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("<script>alert(1)</script>", await download.Content.ReadAsStringAsync());
    }
}
