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

    /// <summary>A prefix no other run or suite uses, so parallel tests on one broker never share a queue.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10] + ".";
}
