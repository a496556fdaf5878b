using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery;

/// <summary>
/// The <c>delivery</c> queue: competing consumers across workers, <c>Delivery:ConcurrentMessageLimit</c>
/// messages at once per worker. Quorum queue and interval retries come from the bus (FacteurBus).
/// </summary>
internal sealed class MailReceivedConsumerDefinition : ConsumerDefinition<MailReceivedConsumer>
{
    public MailReceivedConsumerDefinition(IOptions<DeliveryOptions> options, IOptions<BusOptions> busOptions)
    {
        EndpointName = busOptions.Value.QueueName(FacteurQueues.Delivery);
        ConcurrentMessageLimit = options.Value.ConcurrentMessageLimit;
    }
}
