using Facteur.Bench.SmtpIngest;

// dotnet run --project bench/smtp-ingest -c Release -- --target standalone|services --messages N --size 2k|100k --concurrency C
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"smtp-ingest: {ex.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource(options.Timeout);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await IngestBenchmark.RunAsync(options, cancel.Token);
