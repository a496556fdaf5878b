using System.Diagnostics;
using System.Globalization;

namespace Facteur.Bench.SmtpIngest;

internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"smtp-ingest: starting {options.Target} ({RepositoryLayout.Configuration} build)…");
        SystemUnderTest sut;
        try
        {
            sut = await SystemUnderTest.StartAsync(options, cancellationToken);
        }
        catch (Exception ex) when (ex is BenchException or OperationCanceledException)
        {
            Console.Error.WriteLine($"smtp-ingest: the system under test did not start: {ex.Message}");
            return 1;
        }

        await using (sut)
        {
            var runId = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture) + Random.Shared.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);
            var messages = new MessageFactory(runId, sut.Recipient, options.Size);
            using var watch = new MaildirWatch(sut.MailRoot, messages, options.Messages);
            var load = new SmtpLoad(sut.SmtpPort, sut.Recipient, messages, options.Messages, options.Concurrency);

            Console.Error.WriteLine($"smtp-ingest: sending {options.Messages} × {options.SizeLabel} over {options.Concurrency} session(s) to port {sut.SmtpPort}…");
            var sending = true;
            using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var watching = Task.Run(() => watch.RunAsync(() => !Volatile.Read(ref sending) && AllDelivered(load, watch), drain.Token), CancellationToken.None);
            var started = Stopwatch.GetTimestamp();
            try
            {
                await load.RunAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("smtp-ingest: time is up while sending");
            }

            var sent = Stopwatch.GetTimestamp();
            Volatile.Write(ref sending, false);
            drain.CancelAfter(DrainTimeout); // bounded: whatever is not in Maildir by then counts as missing
            Console.Error.WriteLine($"smtp-ingest: {load.AcceptedAt.Count(t => t != 0)} accepted in {Stopwatch.GetElapsedTime(started, sent).TotalSeconds:F1} s; waiting for Maildir…");
            await watching;

            var result = BenchResult.From(options, load, watch, started, sut.PeakResidentBytes());
            foreach (var error in load.Errors.Take(10))
            {
                Console.Error.WriteLine($"smtp-ingest: {error}");
            }

            Console.WriteLine(BenchResult.Header);
            Console.WriteLine(BenchResult.Separator);
            Console.WriteLine(result.Row);
            if (options.Append)
            {
                var file = options.ResultsFile ?? Path.Combine(RepositoryLayout.Root, "bench", "results", "smtp-ingest.md");
                result.AppendTo(file);
                Console.Error.WriteLine($"smtp-ingest: appended to {file}");
            }

            return result.Accepted == options.Messages && result.Missing == 0 && result.Duplicates == 0 ? 0 : 1;
        }
    }

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(3);

    private static bool AllDelivered(SmtpLoad load, MaildirWatch watch)
    {
        var accepted = load.AcceptedAt;
        var delivered = watch.DeliveredAt;
        for (var i = 0; i < accepted.Length; i++)
        {
            if (accepted[i] != 0 && delivered[i] == 0)
            {
                return false;
            }
        }

        return true;
    }
}
