using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Facteur.Hosting.Tests;

public sealed class LoginPostLimitTests
{
    [Fact]
    public void An_address_gets_its_permits_then_waits_for_the_rest_of_its_window()
    {
        var clock = new StepClock();
        var limit = new LoginPostLimit(3, TimeSpan.FromMinutes(1), clock);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(limit.TryAcquire("192.0.2.1", out _));
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.False(limit.TryAcquire("192.0.2.1", out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(30), retryAfter);

        // Another address has a window of its own.
        Assert.True(limit.TryAcquire("192.0.2.2", out _));

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(limit.TryAcquire("192.0.2.1", out retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limit.TryAcquire("192.0.2.1", out _));
    }

    [Fact]
    public void Ended_windows_are_swept_once_many_addresses_are_held_and_running_ones_are_kept()
    {
        var clock = new StepClock();
        var limit = new LoginPostLimit(1, TimeSpan.FromMinutes(1), clock);
        for (var i = 0; i < LoginPostLimit.SweepAbove; i++)
        {
            Assert.True(limit.TryAcquire($"198.51.100.{i}", out _));
        }

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(limit.TryAcquire("203.0.113.1", out _));
        Assert.Equal(LoginPostLimit.SweepAbove + 1, limit.Held);

        // A minute after the first ones: a post sweeps every ended window, keeps 203.0.113.1's.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limit.TryAcquire("203.0.113.2", out _));
        Assert.Equal(2, limit.Held);
        Assert.False(limit.TryAcquire("203.0.113.1", out _));
    }

    [Fact]
    public async Task Over_http_login_posts_past_the_limit_get_429_with_retry_after_and_nothing_else_is_counted()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.UseLoginPostLimit(_ => 3);
        var reached = 0;
        app.MapPost("/Login", () => Results.Text($"signed in {Interlocked.Increment(ref reached)}"));
        app.MapGet("/Login", () => Results.Text("form"));
        app.MapPost("/Compose", () => Results.Text("sent"));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;

        using var client = ClientFrom(IPAddress.Parse("127.0.0.61"), port);
        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/Login", "/login/", "/LOGIN", "/Login" })
        {
            using var response = await client.PostAsync(path, new StringContent("email=a&password=b"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var seconds = int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(seconds, 1, 60);
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(3, reached);

        // The form and other posts are not login attempts.
        Assert.Equal("form", await client.GetStringAsync("/Login"));
        using (var other = await client.PostAsync("/Compose", new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        // Another address still signs in.
        using var colleague = ClientFrom(IPAddress.Parse("127.0.0.62"), port);
        using var ok = await colleague.PostAsync("/Login", new StringContent("email=c&password=d"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(4, reached);
    }

    /// <summary>An HTTP client whose connections come from <paramref name="source"/>, so the server sees that address.</summary>
    private static HttpClient ClientFrom(IPAddress source, int port) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    private sealed class StepClock : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
