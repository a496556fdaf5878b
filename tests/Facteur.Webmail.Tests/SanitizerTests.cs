using Facteur.Webmail.Mail;
using MimeKit;

namespace Facteur.Webmail.Tests;

/// <summary>The sanitizer alone (the browser tests check the same corpus end to end).</summary>
public sealed class SanitizerTests
{
    [Theory]
    [InlineData("<script>alert(1)</script><p>x</p>", "<script")]
    [InlineData("<img src=x onerror=alert(1)>", "onerror")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>", "javascript:")]
    [InlineData("<div style=\"width:expression(alert(1))\">x</div>", "expression")]
    [InlineData("<style>@import url(http://remote.invalid/x.css);</style>", "@import")]
    [InlineData("<svg><script>alert(1)</script></svg>", "alert")]
    [InlineData("<iframe src=\"data:text/html,x\"></iframe>", "<iframe")]
    [InlineData("<img src=\"http://remote.invalid/t.png\">", "remote.invalid")]
    [InlineData("<div style=\"background:url(http://remote.invalid/bg.png)\">x</div>", "remote.invalid")]
    public void Dangerous_or_remote_content_is_removed(string html, string forbidden)
    {
        var clean = MessageHtml.Sanitize(html, null, allowRemoteImages: false);
        Assert.DoesNotContain(forbidden, clean, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Remote_images_are_kept_once_allowed_and_links_open_outside()
    {
        var clean = MessageHtml.Sanitize("<img src=\"https://cdn.example.test/a.png\"><a href=\"https://example.test/\">l</a>", null, allowRemoteImages: true);
        Assert.Contains("src=\"https://cdn.example.test/a.png\"", clean);
        Assert.Contains("target=\"_blank\"", clean);
        Assert.Contains("rel=\"noopener noreferrer\"", clean);
    }

    [Fact]
    public void Cid_images_become_data_urls_of_the_messages_own_parts()
    {
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
        var builder = new BodyBuilder { HtmlBody = "<img src=\"cid:logo@esp.sn\">" };
        var image = builder.LinkedResources.Add("logo.png", png, new ContentType("image", "png"));
        image.ContentId = "logo@esp.sn";
        var message = new MimeMessage { Body = builder.ToMessageBody() };

        var clean = MessageHtml.Sanitize(message.HtmlBody!, message, allowRemoteImages: false);
        Assert.Contains("src=\"data:image/png;base64," + Convert.ToBase64String(png) + "\"", clean);
    }
}
