using Facteur.Accounts.Addresses;
using Facteur.Accounts.Aliases;
using Facteur.Accounts.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Accounts.Tests;

/// <summary>A folder of test files, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("facteur-accounts-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string content)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>Keeps every log entry so tests can check what was warned about.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public List<(LogLevel Level, string Category, string Message)> Entries { get; } = [];

    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (Entries)
            {
                return Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message).ToList();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (provider.Entries)
            {
                provider.Entries.Add((logLevel, category, formatter(state, exception)));
            }
        }
    }
}

/// <summary>The accounts components over files in a temp folder, built the way AddFacteurAccounts builds them.</summary>
internal sealed class AccountsSetup : IDisposable
{
    private readonly ILoggerFactory _loggers;

    public AccountsSetup(
        string accounts = "",
        string aliases = "",
        string[]? domains = null,
        string? domainsFile = null,
        string delimiter = "+")
    {
        Folder = new TempFolder();
        Logs = new RecordingLoggerProvider();
        _loggers = LoggerFactory.Create(builder => builder.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        Options = new AccountsOptions
        {
            AccountsFile = Folder.Write("accounts", accounts),
            AliasesFile = Folder.Write("aliases", aliases),
            DomainsFile = Folder.Write("domains", domainsFile ?? string.Empty),
            Domains = [.. domains ?? ["esp.sn", "example.org"]],
            RecipientDelimiter = delimiter,
        };
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Domains = new LocalDomains(options, Time, _loggers.CreateLogger<LocalDomains>());
        Users = new UserDirectory(options, Time, _loggers.CreateLogger<UserDirectory>());
        Aliases = new AliasTable(options, Time, _loggers.CreateLogger<AliasTable>());
        Resolver = new RecipientResolver(Domains, Users, Aliases, options, _loggers.CreateLogger<RecipientResolver>());
        Authenticator = new PasswordAuthenticator(Users, _loggers.CreateLogger<PasswordAuthenticator>());
    }

    public TempFolder Folder { get; }

    public RecordingLoggerProvider Logs { get; }

    public ManualTimeProvider Time { get; } = new();

    public AccountsOptions Options { get; }

    public LocalDomains Domains { get; }

    public UserDirectory Users { get; }

    public AliasTable Aliases { get; }

    public RecipientResolver Resolver { get; }

    public PasswordAuthenticator Authenticator { get; }

    public void Dispose()
    {
        _loggers.Dispose();
        Folder.Dispose();
    }
}
