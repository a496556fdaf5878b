using System.Security.Cryptography;
using System.Text;
using Facteur.Contracts;
using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Retries through stock RabbitMQ (no delayed-message plugin): one durable queue per step of the
/// schedule, <c>relay-retry-&lt;n&gt;</c>, with <c>x-message-ttl</c> = that step's delay and
/// dead-lettering (default exchange, routing key <c>relay</c>) back into the relay queue. A retry is
/// a new persistent, publisher-confirmed message in the step's queue, sent before the current one
/// is acked, so a restart of the broker or of any worker loses nothing: the message waits in a
/// durable queue, not in a timer. Each step queue has one TTL, so messages expire in order (RabbitMQ
/// only expires at the head of a queue — one queue per delay keeps heads the oldest).
/// <para>The queues are declared with RabbitMQ.Client (MassTransit cannot set queue arguments on a
/// send address); MassTransit then sends to the step's fanout exchange bound to the queue.</para>
/// <para>Finished command ids are recorded in <c>{SpoolRoot}/relay-done/</c> so a redelivery after
/// a crash between the remote 250 and the ack is dropped (the delivery README's remaining window).</para>
/// </summary>
internal sealed class BrokerRelayRetries(
    IOptions<RelayOptions> relayOptions,
    IOptions<BusOptions> busOptions,
    IConfiguration configuration,
    RelayDoneRecord done) : IRelayRetries, IAsyncDisposable
{
    private readonly SemaphoreSlim declareLock = new(1, 1);
    private bool declared;

    public async Task ScheduleAsync(ConsumeContext<RelayMail> context, RelayMail next, TimeSpan delay, Func<CancellationToken, Task<Stream>> openContent)
    {
        var schedule = relayOptions.Value.EffectiveRetrySchedule;
        var step = Math.Clamp(next.Attempts, 1, schedule.Count);
        await EnsureDeclaredAsync(context.CancellationToken).ConfigureAwait(false);
        var endpoint = await context.GetSendEndpoint(new Uri("exchange:" + RetryQueueNames.Step(busOptions.Value.EntityPrefix, step))).ConfigureAwait(false);
        var id = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"RelayRetry\n{context.MessageId}\n{next.Attempts}")).AsSpan(0, 16));
        await endpoint.Send(next, c =>
        {
            c.MessageId = id;
            c.Durable = true;
        }, context.CancellationToken).ConfigureAwait(false);
    }

    public Task CompleteAsync(ConsumeContext<RelayMail> context, bool retryScheduled)
    {
        if (context.MessageId is { } id)
        {
            done.Add(id);
        }

        return Task.CompletedTask;
    }

    public bool TryBegin(ConsumeContext<RelayMail> context) => context.MessageId is not { } id || !done.Contains(id);

    public void End(ConsumeContext<RelayMail> context)
    {
    }

    /// <summary>Declares every step queue once per process (idempotent on the broker; retried while it is down).</summary>
    internal async Task EnsureDeclaredAsync(CancellationToken cancellationToken)
    {
        if (declared)
        {
            return;
        }

        await declareLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (declared)
            {
                return;
            }

            var factory = new ConnectionFactory { Uri = new Uri(configuration.GetConnectionString("RabbitMq")!) };
            await using var connection = await factory.CreateConnectionAsync("facteur-relay-topology", cancellationToken).ConfigureAwait(false);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var schedule = relayOptions.Value.EffectiveRetrySchedule;
            var relayQueue = busOptions.Value.QueueName(FacteurQueues.Relay);
            for (var step = 1; step <= schedule.Count; step++)
            {
                var name = RetryQueueNames.Step(busOptions.Value.EntityPrefix, step);
                await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
                {
                    ["x-message-ttl"] = (long)schedule[step - 1].TotalMilliseconds,
                    ["x-dead-letter-exchange"] = string.Empty,
                    ["x-dead-letter-routing-key"] = relayQueue,

                    // Quorum with at-least-once dead-lettering (RabbitMQ 3.10+): a message that
                    // expires while the relay queue is unavailable (broker restarting) is kept and
                    // dead-lettered later, not dropped as classic at-most-once dead-lettering would.
                    ["x-queue-type"] = "quorum",
                    ["x-dead-letter-strategy"] = "at-least-once",
                    ["x-overflow"] = "reject-publish",
                }, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.QueueBindAsync(name, name, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            declared = true;
        }
        finally
        {
            declareLock.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        declareLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
