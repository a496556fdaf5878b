using Facteur.Webmail.Imap;
using Facteur.Webmail.Mail;
using Facteur.Webmail.Security;
using MailKit;
using Microsoft.Net.Http.Headers;
using MimeKit;

namespace Facteur.Webmail;

/// <summary>
/// The non-page endpoints: the stylesheet and script (files of their own, so the CSP can forbid
/// inline script), the sanitized HTML body shown in the sandboxed frame, and attachment download.
/// All are GETs that change nothing.
/// </summary>
internal static class MailEndpoints
{
    public static void MapWebmailEndpoints(this WebApplication app)
    {
        app.MapGet("/webmail.css", () => Results.Text(WebAssets.Stylesheet, "text/css; charset=utf-8")).AllowAnonymous();
        app.MapGet("/webmail.js", () => Results.Text(WebAssets.Script, "text/javascript; charset=utf-8")).AllowAnonymous();
        app.MapGet("/", () => Results.Redirect("/Mail")).AllowAnonymous();
        app.MapGet("/Mail/Body", BodyAsync).RequireAuthorization();
        app.MapGet("/Mail/Part", PartAsync).RequireAuthorization();
    }

    private static async Task<IResult> BodyAsync(HttpContext context, ImapSessionPool pool, string? f, uint uid, string? path, bool images = false)
    {
        var html = await pool.WithSessionAsync(context, async lease =>
        {
            var folder = await MailboxAccess.OpenAsync(lease.Client, f, FolderAccess.ReadOnly, context.RequestAborted);
            var message = await MailboxAccess.GetMessageAsync(lease, folder, uid, context.RequestAborted);
            var shown = message is null ? null : MessageParts.ResolveMessage(message, path);
            return shown?.HtmlBody is { } body ? MessageHtml.Sanitize(body, shown, images) : null;
        });
        if (html is null)
        {
            return Results.NotFound();
        }

        context.Response.Headers.ContentSecurityPolicy = SecurityHeaders.MailBodyPolicy(images);
        context.Response.Headers.CacheControl = "private, no-store";
        return Results.Text(html, "text/html; charset=utf-8");
    }

    private static async Task<IResult> PartAsync(HttpContext context, ImapSessionPool pool, string? f, uint uid, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return Results.NotFound();
        }

        var download = await pool.WithSessionAsync(context, async lease =>
        {
            var folder = await MailboxAccess.OpenAsync(lease.Client, f, FolderAccess.ReadOnly, context.RequestAborted);
            var message = await MailboxAccess.GetMessageAsync(lease, folder, uid, context.RequestAborted);
            var entity = message is null ? null : MessageParts.Resolve(message, path);
            if (entity is null)
            {
                return null;
            }

            var buffer = new MemoryStream();
            if (entity is MimePart { Content: not null } part)
            {
                await part.Content.DecodeToAsync(buffer, context.RequestAborted);
            }
            else if (entity is MessagePart { Message: not null } rfc822)
            {
                await rfc822.Message.WriteToAsync(buffer, context.RequestAborted);
            }

            buffer.Position = 0;
            var index = int.Parse(path.Split('.')[^1]);
            return new Download(buffer, entity.ContentType.MimeType, MessageParts.FileName(entity, index));
        });
        if (download is null)
        {
            return Results.NotFound();
        }

        // Always a download, never rendered in the webmail's origin: an HTML or SVG attachment
        // opened inline would run its script with the user's session.
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(download.FileName);
        context.Response.Headers.ContentDisposition = disposition.ToString();
        return Results.Stream(download.Content, download.MimeType);
    }

    private sealed record Download(Stream Content, string MimeType, string FileName);
}
