using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>The <c>relay</c> queue (quorum, declared by publishers too): <c>Relay:ConcurrentMessageLimit</c> attempts at once per worker.</summary>
internal sealed class RelayMailConsumerDefinition : ConsumerDefinition<RelayMailConsumer>
{
    public RelayMailConsumerDefinition(IOptions<RelayOptions> options, IOptions<BusOptions> busOptions)
    {
        EndpointName = busOptions.Value.QueueName(FacteurQueues.Relay);
        ConcurrentMessageLimit = options.Value.ConcurrentMessageLimit;
    }
}
