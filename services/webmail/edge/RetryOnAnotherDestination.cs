using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Facteur.Edge;

/// <summary>
/// When a webmail replica dies, health checks need a moment to notice; meanwhile a request sent
/// to it fails before any byte came back. Such a request is sent again to another destination,
/// so the user sees nothing (the session lives in the cookie, any replica serves it). Only
/// failures to send (<see cref="ForwarderError.Request"/>) with no response started are retried;
/// the request body is buffered so it can be replayed.
/// </summary>
internal static class RetryOnAnotherDestination
{
    private const int MaxAttempts = 3;

    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        context.Request.EnableBuffering();

        for (var attempt = 1; ; attempt++)
        {
            await next();

            var error = context.Features.Get<IForwarderErrorFeature>();
            if (error is null || attempt >= MaxAttempts || context.Response.HasStarted
                || error.Error is not (ForwarderError.Request or ForwarderError.RequestTimedOut) || context.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            var failed = proxy.ProxiedDestination;
            IReadOnlyList<DestinationState> remaining = [.. candidates.Where(destination => !ReferenceEquals(destination, failed))];
            if (remaining.Count == 0)
            {
                return;
            }

            candidates = remaining;
            proxy.AvailableDestinations = remaining;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status200OK;
            if (context.Request.Body.CanSeek)
            {
                context.Request.Body.Position = 0;
            }
        }
    }
}
