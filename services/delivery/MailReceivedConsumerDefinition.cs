using Facteur.Hosting;
using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery;

/// <summary>
/// The <c>delivery</c> queue: competing consumers across workers, <c>Delivery:ConcurrentMessageLimit</c>
/// messages at once per worker (by default 32 over RabbitMQ, 16 in the standalone host:
/// <see cref="DeliveryOptions.LimitFor"/>). Quorum queue and interval retries come from the bus (FacteurBus).
/// </summary>
internal sealed class MailReceivedConsumerDefinition : ConsumerDefinition<MailReceivedConsumer>
{
    public MailReceivedConsumerDefinition(IOptions<DeliveryOptions> options, IOptions<BusOptions> busOptions, IOptions<FacteurOptions> facteurOptions)
    {
        EndpointName = busOptions.Value.QueueName(FacteurQueues.Delivery);
        ConcurrentMessageLimit = options.Value.LimitFor(facteurOptions.Value.Transport);
    }
}
