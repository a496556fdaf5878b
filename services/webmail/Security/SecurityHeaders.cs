namespace Facteur.Webmail.Security;

/// <summary>
/// Headers on every webmail response: a strict CSP with no inline script (the little JavaScript
/// there is comes from /webmail.js), no MIME sniffing, no referrer leaking message URLs to the
/// links users click, no framing by other sites. Endpoints that need another CSP (the mail body
/// frame) set theirs before the response starts.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; " +
        "form-action 'self'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'";

    /// <summary>CSP of the frame that shows a mail's HTML: sandboxed, no script, nothing fetched but what is allowed.</summary>
    public static string MailBodyPolicy(bool allowRemoteImages) =>
        "default-src 'none'; style-src 'unsafe-inline'; font-src data:; " +
        (allowRemoteImages ? "img-src data: https: http:; " : "img-src data:; ") +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox";

    public static IApplicationBuilder UseWebmailSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers.TryAdd("Content-Security-Policy", ContentSecurityPolicy);
                headers.TryAdd("X-Content-Type-Options", "nosniff");
                headers.TryAdd("Referrer-Policy", "no-referrer");
                headers.TryAdd("X-Frame-Options", "SAMEORIGIN");
                headers.TryAdd("Cross-Origin-Opener-Policy", "same-origin");
                headers.TryAdd("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
}
