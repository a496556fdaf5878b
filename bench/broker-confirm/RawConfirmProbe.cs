using RabbitMQ.Client;

namespace Facteur.Bench.BrokerConfirm;

/// <summary>RabbitMQ.Client alone: one channel with confirm tracking, the default exchange, a durable queue.</summary>
internal static class RawConfirmProbe
{
    public static async Task<ConfirmLatencies> RunAsync(int port, string queueType, byte[] body, int count, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = port };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var queue = "confirm-probe-" + queueType;
        // Classic queues stay at version 1 here: RabbitMQ 3.10's version 2 confirmed small messages
        // before any fsync (strace: 2 fsyncs for 2,500 confirms), which is not the durability compared.
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = queueType };
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        var properties = new BasicProperties { Persistent = true };
        Task Publish() => channel.BasicPublishAsync("", queue, mandatory: true, properties, body, cancellationToken).AsTask();
        try
        {
            return await ConfirmLatencies.MeasureAsync(Publish, count, cancellationToken);
        }
        finally
        {
            await channel.QueueDeleteAsync(queue, cancellationToken: CancellationToken.None);
        }
    }
}
