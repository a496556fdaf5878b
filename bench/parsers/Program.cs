using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/parsers -- --filter '*'            (all suites)
// dotnet run -c Release --project bench/parsers -- --filter '*Smtp*' --job short
//
// The project file is named after the assembly (Facteur.Bench.csproj): BenchmarkDotNet's default
// toolchain looks the project up by assembly name to build its boilerplate, and failed with "Unable
// to find Facteur.Bench" while the file was Facteur.Bench.Parsers.csproj. Its boilerplate build
// rebuilds the gateway, mailbox-api and MailStore; on a loaded 2-core machine that takes longer
// than the default two minutes, hence the longer build timeout.
var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
BenchmarkSwitcher.FromAssembly(typeof(Facteur.Bench.Parsers.SmtpParsingBenchmarks).Assembly).Run(args, config);
