using System.Globalization;
using Facteur.Bench.BrokerConfirm;

// The broker's share of a c=1 SMTP transaction: one persistent 2 KB message at a time, published
// with publisher confirms and awaited before the next (what the gateway's 250 waits for, DESIGN.md
// promise 1), against a private broker (scripts/rabbitmq.sh). Prints msgs/s and the publish→confirm
// (or write→fsync) p50/p90/p99 per probe. Nothing consumes: the figure is the broker's store-and-confirm
// alone. The raw probes delete their queue after each round; MassTransit's keeps what it was sent.
//   raw-quorum / raw-classic   RabbitMQ.Client on a quorum / classic (version 1) durable queue
//   masstransit-quorum         MassTransit's Publish, as the gateway calls it, bound to a quorum queue
//   file-fsync                 no broker: a new 2 KB file written and fsynced (Postfix's cleanup, the standalone spool)
// Usage: dotnet run -c Release --project bench/broker-confirm -- PORT [COUNT] [ROUNDS] [PROBE...]
var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5000;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
string[] probes = args.Length > 3 ? args[3..] : ["raw-quorum", "raw-classic", "masstransit-quorum", "file-fsync"];
var body = new byte[2048];
new Random(1).NextBytes(body);
using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10));

for (var round = 1; round <= rounds; round++)
{
    foreach (var probe in probes)
    {
        var latencies = probe switch
        {
            "raw-quorum" => await RawConfirmProbe.RunAsync(port, "quorum", body, count, deadline.Token),
            "raw-classic" => await RawConfirmProbe.RunAsync(port, "classic", body, count, deadline.Token),
            "masstransit-quorum" => await MassTransitConfirmProbe.RunAsync(port, body, count, deadline.Token),
            "file-fsync" => await FileSyncProbe.RunAsync(body, count, deadline.Token),
            _ => throw new ArgumentException($"unknown probe {probe}"),
        };
        Console.WriteLine($"round {round} {latencies.Describe(probe)}");
    }
}
