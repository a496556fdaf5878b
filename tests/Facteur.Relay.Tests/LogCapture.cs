using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Facteur.Relay.Tests;

/// <summary>
/// A logger factory that keeps every formatted message, for tests whose promise is a log line
/// (MTA-STS testing mode). Never disposed by the host: MassTransit keeps the first host's logger
/// factory in a static (see <see cref="RelayHost"/>).
/// </summary>
internal sealed class LogCapture : ILoggerFactory
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                capture.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
            }
        }
    }
}
