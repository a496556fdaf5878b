using MassTransit;

namespace Facteur.Bench.BrokerConfirm;

/// <summary>The gateway's way: MassTransit's Publish with publisher confirmation, bound to a quorum queue.</summary>
internal static class MassTransitConfirmProbe
{
    public static async Task<ConfirmLatencies> RunAsync(int port, byte[] body, int count, CancellationToken cancellationToken)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(configure =>
        {
            configure.Host("127.0.0.1", (ushort)port, "/", host =>
            {
                host.Username("guest");
                host.Password("guest");
                host.PublisherConfirmation = true;
            });
            configure.Publish<ConfirmProbeMessage>(publish =>
                publish.BindQueue(publish.Exchange.ExchangeName, "confirm-probe-masstransit", queue => queue.SetQuorumQueue()));
        });
        await bus.StartAsync(cancellationToken);
        try
        {
            var sequence = 0;
            Task Publish() => bus.Publish(new ConfirmProbeMessage { Sequence = ++sequence, Content = body }, context => context.Durable = true, cancellationToken);
            return await ConfirmLatencies.MeasureAsync(Publish, count, cancellationToken);
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
        }
    }
}

/// <summary>
/// A stand-in for <c>MailReceived</c> with an inline body of the same size. Public, as Facteur.Contracts'
/// messages are: the probe publishes the same kind of type the gateway does.
/// </summary>
public sealed record ConfirmProbeMessage
{
    public int Sequence { get; init; }

    public byte[] Content { get; init; } = [];
}
