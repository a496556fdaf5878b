using System.Diagnostics;
using System.Diagnostics.Metrics;
using Facteur.SmtpGateway.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Facteur.SmtpGateway.Tests.Protocol;

public sealed class TelemetryTests
{
    [Fact]
    public async Task The_transaction_activity_is_current_during_commit_and_counters_move()
    {
        var measurements = new List<(string Name, long Value, string? Reason)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SmtpTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reason = tag.Value as string;
                }
            }

            lock (measurements)
            {
                measurements.Add((instrument.Name, value, reason));
            }
        });
        meters.Start();

        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SmtpTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activities);

        await using var server = await SmtpTestServer.StartAsync();
        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
            var message = Messages.Simple("t@remote.example", "alice@example.test");
            await client.SendAsync(message);
            await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Messages.Simple("t@remote.example", "ghost@example.test")));
            await client.DisconnectAsync(true);
        }

        var activity = server.Intake.ActivityAtCommit;
        Assert.NotNull(activity);
        Assert.Equal(SmtpTelemetry.Name, activity.Source.Name);
        Assert.Equal(server.Intake.Committed.Single().Envelope.QueueId, activity.GetTagItem("facteur.queue_id"));

        // The session's close is counted after the client saw the socket close; wait for it, bounded.
        for (var i = 0; i < 100 && !Seen(measurements, "facteur.smtp.sessions.open", -1); i++)
        {
            await Task.Delay(20);
        }

        lock (measurements)
        {
            Assert.Contains(measurements, m => m is { Name: "facteur.smtp.messages.received", Value: 1 });
            Assert.Contains(measurements, m => m is { Name: "facteur.smtp.bytes.received" } && m.Value > 0);
            Assert.Contains(measurements, m => m is { Name: "facteur.smtp.messages.rejected", Reason: "unknown_user" });
            Assert.Contains(measurements, m => m is { Name: "facteur.smtp.sessions.open", Value: 1 });
            Assert.Contains(measurements, m => m is { Name: "facteur.smtp.sessions.open", Value: -1 });
        }
    }

    private static bool Seen(List<(string Name, long Value, string? Reason)> measurements, string name, long value)
    {
        lock (measurements)
        {
            return measurements.Any(m => m.Name == name && m.Value == value);
        }
    }
}
