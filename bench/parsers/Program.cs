using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/parsers -- --filter '*'            (all suites)
// dotnet run -c Release --project bench/parsers -- --filter '*Smtp*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Facteur.Bench.Parsers.SmtpParsingBenchmarks).Assembly).Run(args);
