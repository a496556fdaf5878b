using System.Text;
using AngleSharp.Dom;
using Ganss.Xss;
using MimeKit;

namespace Facteur.Webmail.Mail;

/// <summary>
/// Makes a mail's HTML safe to show: HtmlSanitizer removes scripts, event handlers, dangerous
/// URL schemes, CSS expressions and @import; remote images and CSS urls are dropped unless the
/// user allowed them for this message; <c>cid:</c> references (RFC 2392) become data: URLs of the
/// message's own parts, so the sandboxed frame needs no cookie to show them. The result is still
/// served in a sandboxed frame with a CSP that forbids script: two independent locks.
/// </summary>
internal static class MessageHtml
{
    private const long MaxInlineImage = 5 * 1024 * 1024;

    public static string Sanitize(string html, MimeMessage? message, bool allowRemoteImages)
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowedSchemes.Add("cid");
        sanitizer.AllowedTags.Add("style");
        sanitizer.AllowedAtRules.Remove(AngleSharp.Css.Dom.CssRuleType.Import);
        sanitizer.AllowedAttributes.Remove("id");

        sanitizer.FilterUrl += (_, e) =>
        {
            var url = e.SanitizedUrl ?? e.OriginalUrl;
            if (url.StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
            {
                e.SanitizedUrl = message is null ? null : InlineImage(message, url[4..]);
                return;
            }

            var isLink = e.Tag is not null && (e.Tag.LocalName == "a" || e.Tag.LocalName == "area");
            if (!isLink && !allowRemoteImages)
            {
                // Any non-link URL (img src, background, CSS url()) would make the browser fetch it:
                // a tracking beacon. Blocked until the user allows images for this message.
                e.SanitizedUrl = null;
            }
        };

        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is IElement element && element.LocalName == "a")
            {
                element.SetAttribute("target", "_blank");
                element.SetAttribute("rel", "noopener noreferrer");
            }
        };

        return sanitizer.SanitizeDocument(html);
    }

    /// <summary>True when the HTML names a remote resource that <see cref="Sanitize"/> would block.</summary>
    public static bool HasRemoteContent(string html) =>
        html.Contains("src=\"http", StringComparison.OrdinalIgnoreCase)
        || html.Contains("src='http", StringComparison.OrdinalIgnoreCase)
        || html.Contains("src=http", StringComparison.OrdinalIgnoreCase)
        || html.Contains("url(http", StringComparison.OrdinalIgnoreCase)
        || html.Contains("url('http", StringComparison.OrdinalIgnoreCase)
        || html.Contains("url(\"http", StringComparison.OrdinalIgnoreCase)
        || html.Contains("background=\"http", StringComparison.OrdinalIgnoreCase);

    private static string? InlineImage(MimeMessage message, string contentId)
    {
        contentId = Uri.UnescapeDataString(contentId).Trim('<', '>');
        var part = message.BodyParts.OfType<MimePart>().FirstOrDefault(p =>
            p.ContentId is not null && p.ContentId.Trim('<', '>').Equals(contentId, StringComparison.OrdinalIgnoreCase));
        if (part is null || !part.ContentType.MediaType.Equals("image", StringComparison.OrdinalIgnoreCase) || part.Content is null)
        {
            return null;
        }

        // Only raster types a browser shows without running anything: SVG may carry script.
        var type = part.ContentType.MimeType.ToLowerInvariant();
        if (type is not ("image/png" or "image/jpeg" or "image/gif" or "image/webp" or "image/bmp"))
        {
            return null;
        }

        using var buffer = new MemoryStream();
        part.Content.DecodeTo(buffer);
        if (buffer.Length > MaxInlineImage)
        {
            return null;
        }

        return new StringBuilder("data:").Append(type).Append(";base64,").Append(Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length)).ToString();
    }
}
