using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Facteur.SmtpGateway.Tests.Infrastructure;

/// <summary>Keeps every Error/Critical log of the test host: a session bug shows up here even when the client sees a clean close.</summary>
internal sealed class ErrorLog : ILoggerProvider
{
    public ConcurrentQueue<string> Errors { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ErrorLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
