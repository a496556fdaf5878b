using System.Diagnostics;
using System.Globalization;
using Facteur.Relay.Tests;

// Outbound relay throughput: messages handed to the relay (through delivery, standalone
// transport) and accepted by a local SMTP sink found by MX lookup in a local DNS responder.
// One recipient per message, so each message is one SMTP transaction.
// Usage: dotnet run -c Release --project bench/relay [messages] [concurrency...]
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
int[] levels = args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [10, 50];
var timeout = TimeSpan.FromMinutes(5);

foreach (var concurrency in levels)
{
    await using var dns = new DnsResponder();
    await using var sink = new SmtpSink();
    dns.Mx("sink.test", 10, "mx.sink.test").A("mx.sink.test", "127.0.0.1");
    await using var host = await RelayHost.StartAsync(dns, sink.Port, new Dictionary<string, string?>
    {
        ["Relay:ConcurrentMessageLimit"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["Delivery:ConcurrentMessageLimit"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["Relay:MtaSts"] = "false",
    });

    // Warm-up: JIT, connection paths, spool folders.
    await host.SubmitAsync("Warm0", "awa@esp.sn", ["warm@sink.test"]);
    await sink.WaitForAsync(t => t.Recipients.Contains("warm@sink.test"), timeout);
    var before = sink.Transactions.Count;

    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        var id = "B" + concurrency.ToString(CultureInfo.InvariantCulture) + "x" + i.ToString(CultureInfo.InvariantCulture);
        await host.SubmitAsync(id, "awa@esp.sn", [$"user{i}@sink.test"]);
    }

    while (sink.Transactions.Count - before < count && clock.Elapsed < timeout)
    {
        await Task.Delay(10);
    }

    clock.Stop();
    var done = sink.Transactions.Count - before;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"concurrency {concurrency,3}: {done}/{count} messages in {clock.Elapsed.TotalSeconds:F2} s = {done / clock.Elapsed.TotalSeconds:F1} msgs/s"));
}
