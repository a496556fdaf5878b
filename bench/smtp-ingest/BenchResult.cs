using System.Diagnostics;
using System.Globalization;

namespace Facteur.Bench.SmtpIngest;

/// <summary>One run's figures, as a Markdown table row.</summary>
internal sealed record BenchResult
{
    public const string Header = "| date (UTC) | target | messages | size | sessions | accepted msg/s | end-to-end msg/s | p50 accept→Maildir ms | p99 accept→Maildir ms | rejected | missing | duplicates | peak RSS MB | cores |";
    public const string Separator = "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

    public required string Row { get; init; }

    public required int Accepted { get; init; }

    public required int Missing { get; init; }

    public required int Duplicates { get; init; }

    public static BenchResult From(BenchOptions options, SmtpLoad load, MaildirWatch watch, long started, long peakResidentBytes)
    {
        var accepted = load.AcceptedAt;
        var delivered = watch.DeliveredAt;
        var latencies = new List<double>(accepted.Length);
        long lastAccept = started, lastDelivery = started;
        int acceptedCount = 0, missing = 0;
        for (var i = 0; i < accepted.Length; i++)
        {
            if (accepted[i] == 0)
            {
                continue;
            }

            acceptedCount++;
            lastAccept = Math.Max(lastAccept, accepted[i]);
            if (delivered[i] == 0)
            {
                missing++;
                continue;
            }

            lastDelivery = Math.Max(lastDelivery, delivered[i]);

            // The watcher can see a file a moment before the client has parsed the 250.
            latencies.Add(Math.Max(0, Stopwatch.GetElapsedTime(accepted[i], delivered[i]).TotalMilliseconds));
        }

        latencies.Sort();
        var acceptSeconds = Stopwatch.GetElapsedTime(started, lastAccept).TotalSeconds;
        var endToEndSeconds = Stopwatch.GetElapsedTime(started, lastDelivery).TotalSeconds;
        var invariant = CultureInfo.InvariantCulture;
        string Rate(int n, double seconds) => n == 0 || seconds <= 0 ? "–" : (n / seconds).ToString("F0", invariant);
        string Percentile(double p) => latencies.Count == 0 ? "–" : latencies[Math.Clamp((int)Math.Ceiling(p * latencies.Count) - 1, 0, latencies.Count - 1)].ToString("F0", invariant);

        var row = string.Join(" | ",
            DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", invariant),
            options.Target.ToString().ToLowerInvariant() + (options.Target == BenchTarget.Services ? $" ({options.DeliveryWorkers} delivery)" : string.Empty),
            options.Messages.ToString(invariant),
            options.SizeLabel,
            options.Concurrency.ToString(invariant),
            Rate(acceptedCount, acceptSeconds),
            missing == 0 ? Rate(latencies.Count, endToEndSeconds) : $"{Rate(latencies.Count, endToEndSeconds)} (incomplete)",
            Percentile(0.50),
            Percentile(0.99),
            (options.Messages - acceptedCount).ToString(invariant),
            missing.ToString(invariant),
            watch.Duplicates.ToString(invariant),
            peakResidentBytes == 0 ? "–" : (peakResidentBytes / (1024.0 * 1024)).ToString("F0", invariant),
            Environment.ProcessorCount.ToString(invariant));

        return new BenchResult { Row = $"| {row} |", Accepted = acceptedCount, Missing = missing, Duplicates = watch.Duplicates };
    }

    public void AppendTo(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        if (!File.Exists(file) || new FileInfo(file).Length == 0)
        {
            File.WriteAllText(file, $"# smtp-ingest results\n\nWritten by `dotnet run --project bench/smtp-ingest -c Release -- …`; one row per run.\n\n{Header}\n{Separator}\n");
        }

        File.AppendAllText(file, Row + "\n");
    }
}
