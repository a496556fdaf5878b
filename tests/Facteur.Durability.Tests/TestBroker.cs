namespace Facteur.Durability.Tests;

/// <summary>The test broker: <c>FACTEUR_TEST_RABBITMQ</c>, default amqp://guest:guest@127.0.0.1:5672/.</summary>
internal static class TestBroker
{
    public static Uri Url { get; } = new(Environment.GetEnvironmentVariable("FACTEUR_TEST_RABBITMQ") is { Length: > 0 } url
        ? url
        : "amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>The same broker reached through <paramref name="proxy"/>.</summary>
    public static Uri Through(TcpProxy proxy) => new UriBuilder(Url) { Host = "127.0.0.1", Port = proxy.Port }.Uri;

    public static TcpProxy NewProxy() => new(Url.Host, Url.Port);

    /// <summary>Removes the queues and exchanges a test declared under <paramref name="prefix"/> (quorum queues are not free on a shared broker).</summary>
    public static async Task DeleteEntitiesAsync(string prefix)
    {
        string[] queues = ["delivery", "delivery_error", "delivery_skipped", "relay"];
        string[] exchanges = ["delivery", "delivery_error", "delivery_skipped", "relay", "Facteur.Contracts:MailReceived", "Facteur.Contracts:RelayMail", "Facteur.Contracts:MailDelivered", "Facteur.Contracts:MailDeliveredBatch"];
        try
        {
            var factory = new RabbitMQ.Client.ConnectionFactory { Uri = Url };
            await using var connection = await factory.CreateConnectionAsync();
            foreach (var queue in queues)
            {
                // A failed delete closes the channel: one channel per call.
                await using var channel = await connection.CreateChannelAsync();
                await IgnoreAsync(() => channel.QueueDeleteAsync(prefix + queue, ifUnused: false, ifEmpty: false));
            }

            foreach (var exchange in exchanges)
            {
                await using var channel = await connection.CreateChannelAsync();
                await IgnoreAsync(() => channel.ExchangeDeleteAsync(prefix + exchange));
            }
        }
        catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException)
        {
        }
    }

    private static async Task IgnoreAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
        }
    }

    /// <summary>A prefix no other run or suite uses, so parallel tests on one broker never share a queue.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10] + ".";
}
