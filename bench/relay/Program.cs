using System.Diagnostics;
using System.Globalization;
using Facteur.Delivery.Relay;
using RelayHost = Facteur.Relay.Tests.RelayHost;
using Facteur.Relay.Tests;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

// Outbound relay throughput: messages handed to the relay (through delivery, standalone
// transport) and accepted by a local SMTP sink found by MX lookup in a local DNS responder.
// One recipient per message, so each message is one SMTP transaction. Each concurrency level
// runs twice: a new connection per message (Relay:MaxMessagesPerConnection=1, the relay before
// connection reuse) and with reuse (the defaults), and prints the connections the sink accepted.
// "--transport-only" first calls the relay's SMTP side (RelayTransport: MX lookup, connection,
// transaction) directly from C tasks, without delivery and the relay spool in front, so the
// figure is the SMTP client path alone.
// Usage: dotnet run -c Release --project bench/relay [--transport-only] [messages] [concurrency...]
var transportOnly = args.Length > 0 && args[0] == "--transport-only";
args = transportOnly ? args[1..] : args;
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
int[] levels = args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [10, 50];
var timeout = TimeSpan.FromMinutes(5);

foreach (var concurrency in levels)
{
    foreach (var reuse in new[] { false, true })
    {
        await RunAsync(concurrency, reuse);
    }
}

async Task RunAsync(int concurrency, bool reuse)
{
    await using var dns = new DnsResponder();
    await using var sink = new SmtpSink();
    dns.Mx("sink.test", 10, "mx.sink.test").A("mx.sink.test", "127.0.0.1");
    await using var host = await RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?>
    {
        ["Relay:ConcurrentMessageLimit"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["Delivery:ConcurrentMessageLimit"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["Relay:MtaSts"] = "false",
        ["Relay:MaxMessagesPerConnection"] = reuse ? "100" : "1",
    });

    if (transportOnly)
    {
        await TransportOnlyAsync(host, sink, concurrency, reuse);
        return;
    }

    // Warm-up: JIT, connection paths, spool folders.
    await host.SubmitAsync("Warm0", "awa@esp.sn", ["warm@sink.test"]);
    await sink.WaitForAsync(t => t.Recipients.Contains("warm@sink.test"), timeout);
    var before = sink.Transactions.Count;
    var connectionsBefore = sink.Connections;

    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        var id = "B" + concurrency.ToString(CultureInfo.InvariantCulture) + (reuse ? "r" : "n") + i.ToString(CultureInfo.InvariantCulture);
        await host.SubmitAsync(id, "awa@esp.sn", [$"user{i}@sink.test"]);
    }

    while (sink.Transactions.Count - before < count && clock.Elapsed < timeout)
    {
        await Task.Delay(10);
    }

    clock.Stop();
    var done = sink.Transactions.Count - before;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"concurrency {concurrency,3}, {(reuse ? "connection reuse   " : "connection per msg ")}: {done}/{count} messages in {clock.Elapsed.TotalSeconds:F2} s = {done / clock.Elapsed.TotalSeconds:F1} msgs/s, {sink.Connections - connectionsBefore} connections"));
}

async Task TransportOnlyAsync(RelayHost host, SmtpSink sink, int concurrency, bool reuse)
{
    var transport = host.Services.GetRequiredService<RelayTransport>();
    var message = MimeMessage.Load(new MemoryStream(RelayHost.Message("T0", "awa@esp.sn", ["user@sink.test"])));
    await transport.SendAsync("sink.test", "awa@esp.sn", ["warm@sink.test"], message, null, null, null, CancellationToken.None);
    var connectionsBefore = sink.Connections;
    var next = -1;
    var failed = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        while (Interlocked.Increment(ref next) < count && clock.Elapsed < timeout)
        {
            var outcomes = await transport.SendAsync("sink.test", "awa@esp.sn", ["user@sink.test"], message, null, null, null, CancellationToken.None);
            if (outcomes.Any(o => o.Status != RecipientStatus.Delivered))
            {
                Interlocked.Increment(ref failed);
            }
        }
    })));
    clock.Stop();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"transport only, concurrency {concurrency,3}, {(reuse ? "connection reuse   " : "connection per msg ")}: {count - failed}/{count} messages in {clock.Elapsed.TotalSeconds:F2} s = {(count - failed) / clock.Elapsed.TotalSeconds:F1} msgs/s, {sink.Connections - connectionsBefore} connections"));
}
