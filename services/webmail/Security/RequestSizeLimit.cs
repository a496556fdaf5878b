using Facteur.Hosting;
using Facteur.Webmail.Localization;
using Microsoft.Extensions.Options;

namespace Facteur.Webmail.Security;

/// <summary>
/// How big a posted form may be, and a clear answer when it is bigger. A compose form carries
/// the attachments base64-free (multipart), so the message built from it is about the size of the
/// upload: the form may be a little more than <c>Facteur:MaxMessageSize</c>, and the compose page
/// itself refuses a message over the limit with a message in the user's language. A request so big
/// that reading it would be waste (its Content-Length says so) is answered 413 with the same
/// sentence before a byte of it is read, instead of Kestrel's empty 413.
/// </summary>
internal static class RequestSizeLimit
{
    /// <summary>The body limit of a POST for a given maximum message size: twice the message, at least 2 MB more.</summary>
    public static long For(long maxMessageSize) => maxMessageSize * 2 + 2 * 1024 * 1024;

    public static IApplicationBuilder UseRequestSizeLimit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var max = context.RequestServices.GetRequiredService<IOptions<FacteurOptions>>().Value.MaxMessageSize;
            if (context.Request.ContentLength is { } length && length > For(max))
            {
                var texts = context.RequestServices.GetRequiredService<Texts>();
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.Headers.Connection = "close";
                var encoder = System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);
                var message = encoder.Encode(texts.Format("TooLarge", Texts.ByteSize(max)));
                await context.Response.WriteAsync(
                    $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>413</title><link rel=\"stylesheet\" href=\"/webmail.css\"></head>"
                    + $"<body><main id=\"content\"><p class=\"error\" role=\"alert\">{message}</p><p><a href=\"/Mail/Compose\">{encoder.Encode(texts["Back"])}</a></p></main></body></html>",
                    context.RequestAborted);
                return;
            }

            await next(context);
        });
}
