using Facteur.Contracts;
using MassTransit;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Where a relay command waits between attempts. Over RabbitMQ: durable TTL queues that
/// dead-letter back into <c>relay</c> (<see cref="BrokerRelayRetries"/>); in the standalone host:
/// the relay spool on disk (<see cref="SpoolRelayRetries"/>). Never a sleep in the consumer.
/// </summary>
internal interface IRelayRetries
{
    /// <summary>Makes <paramref name="next"/> durable, due after <paramref name="delay"/>; returns once it is.</summary>
    Task ScheduleAsync(ConsumeContext<RelayMail> context, RelayMail next, TimeSpan delay, Func<CancellationToken, Task<Stream>> openContent);

    /// <summary>The command is finished (delivered, bounced, or rescheduled as another command).</summary>
    Task CompleteAsync(ConsumeContext<RelayMail> context, bool retryScheduled);

    /// <summary>
    /// False when this command was already finished (a redelivery after a crash before the ack)
    /// or is being tried right now; otherwise it is now being tried until <see cref="End"/>.
    /// </summary>
    bool TryBegin(ConsumeContext<RelayMail> context);

    /// <summary>The attempt is over, whatever its outcome.</summary>
    void End(ConsumeContext<RelayMail> context);
}
