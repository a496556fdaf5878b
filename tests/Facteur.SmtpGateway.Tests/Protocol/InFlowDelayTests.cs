using System.Diagnostics.Metrics;
using Facteur.Hosting;
using Facteur.SmtpGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>
/// Smtp:InFlowDelay (standalone, after Postfix's in_flow_delay): while in-process delivery is
/// behind, MAIL FROM waits for it to start a message, at most the delay, and is never refused.
/// </summary>
public sealed class InFlowDelayTests
{
    private static async Task<SmtpTestServer> StartAsync(string delay, string backlog = "1")
        => await SmtpTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Facteur:Transport"] = "InMemory",
            ["Smtp:InFlowDelay"] = delay,
            ["Smtp:InFlowBacklog"] = backlog,
        });

    private static async Task<string> CommandAsync(RawSmtpClient client, string line)
    {
        await client.SendLineAsync(line);
        return RawSmtpClient.LastLine(await client.ReadReplyAsync());
    }

    /// <summary>The outcomes of facteur.smtp.in_flow_delay recorded while it listens (only this class's tests wait).</summary>
    private sealed class InFlowDelayOutcomes : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly List<string> outcomes = [];

        public InFlowDelayOutcomes()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SmtpTelemetry.Name && instrument.Name == "facteur.smtp.in_flow_delay")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "outcome")
                    {
                        lock (outcomes)
                        {
                            outcomes.Add((string)tag.Value!);
                        }
                    }
                }
            });
            listener.Start();
        }

        public List<string> Recorded
        {
            get
            {
                lock (outcomes)
                {
                    return [.. outcomes];
                }
            }
        }

        public void Dispose() => listener.Dispose();
    }

    private static async Task WaitForWaitingSessionAsync(DeliveryBacklog backlog)
    {
        for (var i = 0; i < 1000 && backlog.WaitingSessions == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, backlog.WaitingSessions);
    }

    [Fact]
    public async Task Mail_from_waits_while_delivery_is_behind_and_is_answered_when_delivery_starts_a_message()
    {
        using var outcomes = new InFlowDelayOutcomes();
        await using var server = await StartAsync("00:00:10");
        var backlog = server.Services.GetRequiredService<DeliveryBacklog>();
        backlog.Published("QUEUED1");
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);

        await client.SendLineAsync("MAIL FROM:<a@remote.example>");
        var reply = client.ReadReplyAsync();
        await WaitForWaitingSessionAsync(backlog);
        Assert.False(reply.IsCompleted);

        backlog.Started("QUEUED1");

        Assert.StartsWith("250", RawSmtpClient.LastLine(await reply));
        Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<alice@example.test>"));
        Assert.StartsWith("354", await CommandAsync(client, "DATA"));
        Assert.StartsWith("250", await CommandAsync(client, "Subject: x\r\n\r\nx\r\n."));
        Assert.Single(server.Intake.Committed);
        Assert.Equal(["admitted"], outcomes.Recorded);
    }

    [Fact]
    public async Task Mail_from_is_accepted_after_the_delay_when_delivery_stays_behind()
    {
        using var outcomes = new InFlowDelayOutcomes();
        await using var server = await StartAsync("00:00:00.100");
        var backlog = server.Services.GetRequiredService<DeliveryBacklog>();
        backlog.Published("STUCK1");
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);

        // Never refused for the backlog: each transaction is accepted once the delay has passed.
        for (var i = 0; i < 2; i++)
        {
            Assert.StartsWith("250", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
            Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<alice@example.test>"));
            Assert.StartsWith("354", await CommandAsync(client, "DATA"));
            Assert.StartsWith("250", await CommandAsync(client, "Subject: x\r\n\r\nx\r\n."));
        }

        Assert.Equal(2, server.Intake.Committed.Count);
        Assert.Equal(0, backlog.WaitingSessions);
        Assert.Equal(["delay_elapsed", "delay_elapsed"], outcomes.Recorded);
    }

    [Fact]
    public async Task A_zero_delay_never_holds_mail_from()
    {
        await using var server = await StartAsync("00:00:00");
        var backlog = server.Services.GetRequiredService<DeliveryBacklog>();
        backlog.Published("QUEUED1");
        backlog.Published("QUEUED2");
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);

        Assert.StartsWith("250", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
        Assert.Equal(0, backlog.WaitingSessions);
    }

    [Fact]
    public async Task Over_rabbitmq_mail_from_is_never_held()
    {
        await using var server = await SmtpTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Smtp:InFlowDelay"] = "00:00:10",
            ["Smtp:InFlowBacklog"] = "1",
        });
        var backlog = server.Services.GetRequiredService<DeliveryBacklog>();
        backlog.Published("QUEUED1");
        await using var client = await RawSmtpClient.ConnectAndGreetAsync(server.MxPort);

        Assert.StartsWith("250", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
        Assert.Equal(0, backlog.WaitingSessions);
    }
}
