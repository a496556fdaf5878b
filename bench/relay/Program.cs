using System.Diagnostics;
using System.Globalization;
using Facteur.Relay.Tests;

// Outbound relay throughput: messages handed to the relay (through delivery, standalone
// transport) and accepted by a local SMTP sink found by MX lookup in a local DNS responder.
// One recipient per message, so each message is one SMTP transaction. Each concurrency level
// runs twice: a new connection per message (Relay:MaxMessagesPerConnection=1, the relay before
// connection reuse) and with reuse (the defaults), and prints the connections the sink accepted.
// Usage: dotnet run -c Release --project bench/relay [messages] [concurrency...]
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
