using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Facteur.MailboxApi.Pop3;
using Facteur.MailboxApi.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.MailboxApi.Tests.Pop3;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Sessions_auth_failures_retrievals_and_activities_are_recorded_under_facteur_pop3()
    {
        await using var server = await Pop3TestServer.StartAsync();
        // Only this server's meter: other tests run their own servers in parallel.
        var telemetry = server.Services.GetRequiredService<Pop3Telemetry>();
        Assert.Equal(Pop3Telemetry.Name, telemetry.Meter.Name);
        var measured = new ConcurrentDictionary<string, long>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, telemetry.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, value, (_, total) => total + value));
        meters.Start();
        var activities = new ConcurrentBag<string>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Pop3Telemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity => activities.Add(activity.OperationName),
        };
        ActivitySource.AddActivityListener(activityListener);

        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("t", "x\r\n"));
        await using (var client = await RawPop3Client.ConnectAsync(server.Port))
        {
            await client.CommandAsync("USER " + Pop3TestServer.User);
            Assert.StartsWith("-ERR", await client.CommandAsync("PASS nope"));
            await client.CommandAsync("USER " + Pop3TestServer.User);
            Assert.StartsWith("+OK", await client.CommandAsync("PASS " + Pop3TestServer.Password));
            Assert.StartsWith("+OK", await client.CommandAsync("RETR 1"));
            await client.ReadMultiLineRawAsync();
            Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
        }

        // The session ends on the server after QUIT is answered.
        for (var i = 0; i < 50 && !activities.Contains("pop3.session"); i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, measured.GetValueOrDefault("facteur.pop3.sessions"));
        Assert.Equal(1, measured.GetValueOrDefault("facteur.pop3.auth.failures"));
        Assert.Equal(1, measured.GetValueOrDefault("facteur.pop3.messages.retrieved"));
        Assert.True(measured.GetValueOrDefault("facteur.pop3.bytes.sent") > 0);
        Assert.Contains("pop3.session", activities);
        Assert.Contains("pop3.retr", activities);
    }
}
