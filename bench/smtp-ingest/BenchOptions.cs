using System.Globalization;

namespace Facteur.Bench.SmtpIngest;

internal enum BenchTarget
{
    /// <summary>The all-in-one host (in-memory bus, spool).</summary>
    Standalone,

    /// <summary>smtp-gateway + delivery workers as separate processes over RabbitMQ (FACTEUR_TEST_RABBITMQ).</summary>
    Services,

    /// <summary>Something already running: --smtp-port and --mail-root say where (Postfix, Dovecot's LDA, …).</summary>
    External,
}

internal sealed record BenchOptions
{
    public const string Usage =
        """
        usage: smtp-ingest --target standalone|services|external --messages N --size 2k|100k --concurrency C
                           [--delivery-workers K] [--timeout SECONDS] [--results FILE] [--no-append]
                           [--smtp-port P --mail-root DIR --recipient ADDRESS]   (external only)
        """;

    public const int MaxMessages = 1_000_000;
    public const int MaxConcurrency = 1_000;

    public BenchTarget Target { get; init; } = BenchTarget.Standalone;

    public int Messages { get; init; } = 1_000;

    public int Size { get; init; } = 2 * 1024;

    public string SizeLabel { get; init; } = "2k";

    public int Concurrency { get; init; } = 10;

    public int DeliveryWorkers { get; init; } = 2;

    /// <summary>The whole run, start-up included, is bounded by this.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    public string? ResultsFile { get; init; }

    public bool Append { get; init; } = true;

    public int? SmtpPort { get; init; }

    public string? MailRoot { get; init; }

    public string Recipient { get; init; } = "bench@bench.test";

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--target" => options with { Target = Enum.TryParse<BenchTarget>(Value(), ignoreCase: true, out var t) ? t : throw new ArgumentException("--target is standalone, services or external") },
                "--messages" => options with { Messages = Bounded("--messages", Value(), 1, MaxMessages) },
                "--concurrency" => options with { Concurrency = Bounded("--concurrency", Value(), 1, MaxConcurrency) },
                "--delivery-workers" => options with { DeliveryWorkers = Bounded("--delivery-workers", Value(), 1, 16) },
                "--timeout" => options with { Timeout = TimeSpan.FromSeconds(Bounded("--timeout", Value(), 10, 24 * 3600)) },
                "--size" => ParseSize(options, Value()),
                "--results" => options with { ResultsFile = Value() },
                "--no-append" => options with { Append = false },
                "--smtp-port" => options with { SmtpPort = Bounded("--smtp-port", Value(), 1, 65535) },
                "--mail-root" => options with { MailRoot = Value() },
                "--recipient" => options with { Recipient = Value() },
                "-h" or "--help" => throw new ArgumentException("help"),
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (options.Target == BenchTarget.External && (options.SmtpPort is null || options.MailRoot is null))
        {
            throw new ArgumentException("--target external needs --smtp-port and --mail-root");
        }

        return options;
    }

    private static BenchOptions ParseSize(BenchOptions options, string text)
    {
        var lower = text.Trim().ToLowerInvariant();
        var multiplier = lower.EndsWith('k') ? 1024 : lower.EndsWith('m') ? 1024 * 1024 : 1;
        var digits = multiplier == 1 ? lower : lower[..^1];
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0 || (long)number * multiplier > 50L * 1024 * 1024)
        {
            throw new ArgumentException("--size is a byte count up to 50m, e.g. 2k or 100k");
        }

        return options with { Size = number * multiplier, SizeLabel = lower };
    }

    private static int Bounded(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name} must be a number from {min} to {max}");
}
