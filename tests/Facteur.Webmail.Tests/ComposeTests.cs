using System.Net;
using Facteur.IntegrationTests.Infrastructure;
using Facteur.Webmail.Tests.Infrastructure;
using Facteur.Webmail.Auth;
using Facteur.Webmail.Imap;
using MailKit;
using MailKit.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Facteur.Webmail.Tests;

/// <summary>
/// Reply quoting, forward inline and as attachment, address validation and the size limit, over
/// HTTP through the edge; what was sent is read back over IMAP in the recipient's INBOX and the
/// sender's Sent. frank writes to gina.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ComposeTests(BrowserStackFixture fixture)
{
    private const string User = "frank@esp.sn";
    private const string Recipient = "gina@esp.sn";
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    private MailStack Stack => fixture.Stack;

    [Fact]
    public async Task Reply_quotes_the_original_and_answers_the_sender()
    {
        var subject = "Question " + Guid.NewGuid().ToString("N")[..6];
        var uid = await ReceiveAsync(Mailer.Message("bob@esp.sn", User, subject, "Première ligne\n> déjà citée\nDernière ligne"));
        using var client = await LoginAsync();
        var form = Html.Parse(await client.GetTextAsync($"/Mail/Compose?mode=reply&f=INBOX&uid={uid}"));
        Assert.Equal("bob@esp.sn", form.QuerySelector("#to")!.GetAttribute("value"));
        Assert.Equal("Re: " + subject, form.QuerySelector("#subject")!.GetAttribute("value"));
        var body = form.QuerySelector("#body")!.TextContent.ReplaceLineEndings("\n");
        Assert.Contains("bob@esp.sn a écrit :", body);
        Assert.Contains("\n> Première ligne\n>> déjà citée\n> Dernière ligne", body);
        Assert.False(string.IsNullOrEmpty(form.QuerySelector("input[name=InReplyTo]")!.GetAttribute("value")));
    }

    [Fact]
    public async Task The_submission_names_the_browser_to_the_gateway_with_xclient()
    {
        // The stack's gateway trusts the webmail's address (Smtp:TrustedNetworks, MailStack), as compose and
        // k8s trust theirs: the browser's address, not the webmail's, is what the gateway records.
        var subject = "Nommé " + Guid.NewGuid().ToString("N")[..6];
        var browser = new DefaultHttpContext();
        browser.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.9");
        var options = Options.Create(new WebmailOptions { SmtpHost = "127.0.0.1", SmtpPort = Stack.Site.SubmissionPort, SmtpSecurity = SecureSocketOptions.None });
        var connector = new MailConnector(options, new HttpContextAccessor { HttpContext = browser });
        using (var smtp = await connector.OpenSubmissionAsync(new MailAccount(User, TestSite.Password, "xclient-test"), CancellationToken.None))
        {
            await smtp.SendAsync(Mailer.Message(User, Recipient, subject, "Envoyé depuis 203.0.113.9."));
            await smtp.DisconnectAsync(true);
        }

        var received = await Mailer.WaitForSubjectAsync(Stack, Recipient, "INBOX", subject, Delivery);
        Assert.NotNull(received);
        var gateway = received.Headers.First(h => h.Id == HeaderId.Received).Value;
        Assert.Contains("([203.0.113.9])", gateway);
    }

    [Fact]
    public async Task Forward_inline_carries_the_text_and_the_attachments()
    {
        var subject = "Rapport " + Guid.NewGuid().ToString("N")[..6];
        var uid = await ReceiveAsync(Mailer.Message("bob@esp.sn", User, subject, "Voici le rapport trimestriel.", attachment: ("rapport.txt", "chiffres du trimestre"u8.ToArray())));
        using var client = await LoginAsync();
        var compose = $"/Mail/Compose?mode=forward&f=INBOX&uid={uid}";
        var fields = Html.FormFields(await client.GetTextAsync(compose), "form[enctype]").With("To", Recipient);
        var sent = await client.PostMultipartAsync(compose, "/Mail/Compose?handler=Send", fields, []);
        Assert.True(sent.StatusCode == HttpStatusCode.OK, await sent.Content.ReadAsStringAsync());

        var received = await Mailer.WaitForSubjectAsync(Stack, Recipient, "INBOX", "Fwd: " + subject, Delivery);
        Assert.NotNull(received);
        Assert.Contains("Message original", received.TextBody);
        Assert.Contains("Voici le rapport trimestriel.", received.TextBody);
        var attachment = Assert.Single(received.Attachments.OfType<MimePart>());
        Assert.Equal("rapport.txt", attachment.FileName);
        Assert.NotNull(await Mailer.WaitForSubjectAsync(Stack, User, "Sent", "Fwd: " + subject, Delivery));
    }

    [Fact]
    public async Task Forward_as_attachment_sends_the_original_as_message_rfc822()
    {
        var subject = "Contrat " + Guid.NewGuid().ToString("N")[..6];
        var uid = await ReceiveAsync(Mailer.Message("bob@esp.sn", User, subject, "Le contrat signé."));
        using var client = await LoginAsync();
        var compose = $"/Mail/Compose?mode=forwardattachment&f=INBOX&uid={uid}";
        var fields = Html.FormFields(await client.GetTextAsync(compose), "form[enctype]").With("To", Recipient).With("Body", "Pour information.");
        var sent = await client.PostMultipartAsync(compose, "/Mail/Compose?handler=Send", fields, []);
        Assert.True(sent.StatusCode == HttpStatusCode.OK, await sent.Content.ReadAsStringAsync());

        var received = await Mailer.WaitForSubjectAsync(Stack, Recipient, "INBOX", "Fwd: " + subject, Delivery);
        Assert.NotNull(received);
        Assert.Contains("Pour information.", received.TextBody);
        var attached = Assert.Single(received.Attachments.OfType<MessagePart>());
        Assert.Equal(subject, attached.Message?.Subject);
        Assert.Contains("Le contrat signé.", attached.Message!.TextBody);
    }

    [Fact]
    public async Task Invalid_addresses_are_named_in_the_error_and_nothing_is_sent()
    {
        var subject = "Jamais parti " + Guid.NewGuid().ToString("N")[..6];
        using var client = await LoginAsync();
        var response = await client.PostMultipartAsync("/Mail/Compose", "/Mail/Compose?handler=Send",
            [new("To", "pas-une-adresse, " + Recipient), new("Cc", "x@"), new("Subject", subject), new("Body", "texte")], []);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var page = Html.Parse(await response.Content.ReadAsStringAsync());
        var errors = page.QuerySelectorAll("p.error").Select(p => p.TextContent).ToList();
        Assert.Contains("Adresse invalide : pas-une-adresse", errors);
        Assert.Contains("Adresse invalide : x@", errors);
        Assert.Equal(subject, page.QuerySelector("#subject")!.GetAttribute("value"));

        var none = await client.PostMultipartAsync("/Mail/Compose", "/Mail/Compose?handler=Send", [new("Subject", subject), new("Body", "texte")], []);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, none.StatusCode);
        Assert.Contains("Indiquez au moins un destinataire.", await none.Content.ReadAsStringAsync());
        Assert.Equal(0, await CountAsync(User, "Sent", subject));
    }

    [Theory]
    [InlineData(5_200_000)]
    [InlineData(9_000_000)]
    public async Task An_upload_over_the_maximum_message_size_is_refused_with_a_clear_message(int size)
    {
        // The stack runs with Facteur:MaxMessageSize = 5,000,000 bytes.
        var subject = "Trop gros " + Guid.NewGuid().ToString("N")[..6];
        using var client = await LoginAsync();
        var response = await client.PostMultipartAsync("/Mail/Compose", "/Mail/Compose?handler=Send",
            [new("To", Recipient), new("Subject", subject), new("Body", "pièce jointe")], [("Uploads", "video.bin", new byte[size])]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = Html.Parse(await response.Content.ReadAsStringAsync()).QuerySelectorAll("p.error").Select(p => p.TextContent).ToList();
        Assert.Contains(errors, e => e.StartsWith("Le message dépasse la taille maximale (4,8 Mo)", StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync(User, "Sent", subject));
    }

    [Fact]
    public async Task A_form_far_over_the_limit_is_answered_413_with_the_same_message_before_its_body_is_read()
    {
        // Past twice the message limit (plus 2 MB) a replica answers from Content-Length alone,
        // without reading a byte of the body (what a browser without JavaScript would send).
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync("127.0.0.1", Stack.WebmailPorts[0]);
        var stream = socket.GetStream();
        var head = "POST /Mail/Compose?handler=Send HTTP/1.1\r\nHost: mail.esp.sn\r\nAccept-Language: fr-FR\r\n"
            + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 13000000\r\n\r\n--x\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        var response = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            response.AppendLine(line);
            if (line.Contains("</html>", StringComparison.Ordinal))
            {
                break;
            }
        }

        var text = response.ToString();
        Assert.StartsWith("HTTP/1.1 413", text);
        Assert.Contains("Le message dépasse la taille maximale (4,8 Mo).", text);
    }

    private async Task<uint> ReceiveAsync(MimeMessage message)
    {
        var uids = await Mailer.AppendAsync(Stack, User, "INBOX", [message]);
        return Assert.Single(uids).Id;
    }

    private async Task<int> CountAsync(string address, string folderName, string subject)
    {
        using var imap = await Mailer.ImapAsync(Stack, address);
        var folder = folderName == "INBOX" ? imap.Inbox : await imap.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        return (await folder.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(subject))).Count;
    }

    private async Task<WebmailHttpClient> LoginAsync()
    {
        var client = new WebmailHttpClient(Stack);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(User, TestSite.Password)).StatusCode);
        return client;
    }
}
