using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Hosting;

/// <summary>
/// Answers 429 Too Many Requests, with Retry-After (RFC 9110 §10.2.3), to a client address past its
/// login posts for the minute. It runs after the forwarded headers are applied, so behind the edge
/// the address counted is the browser's, not the edge's.
/// </summary>
public static class LoginPostLimitMiddleware
{
    private const string LoginPath = "/Login";

    /// <param name="permitsPerMinute">Read once, from the services, when the pipeline is built.</param>
    public static IApplicationBuilder UseLoginPostLimit(this IApplicationBuilder app, Func<IServiceProvider, int> permitsPerMinute)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(permitsPerMinute);
        var limit = new LoginPostLimit(permitsPerMinute(app.ApplicationServices), TimeSpan.FromMinutes(1),
            app.ApplicationServices.GetService<TimeProvider>() ?? TimeProvider.System);
        return app.Use(next => context => Limit(context, next, limit));
    }

    private static Task Limit(HttpContext context, RequestDelegate next, LoginPostLimit limit)
    {
        if (!IsLoginPost(context.Request)
            || limit.TryAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", out var retryAfter))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Task.CompletedTask;
    }

    /// <summary>POST /Login, in any case and with or without a trailing slash, as routing matches the page.</summary>
    private static bool IsLoginPost(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return false;
        }

        var path = request.Path.Value.AsSpan().TrimEnd('/');
        return path.Equals(LoginPath, StringComparison.OrdinalIgnoreCase);
    }
}
