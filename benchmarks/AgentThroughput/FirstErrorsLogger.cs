using Microsoft.Extensions.Logging;

namespace Kinesis.Benchmarks.AgentThroughput;

/// <summary>Writes the first few warnings and errors to stderr, so a run that goes wrong says why.</summary>
internal sealed class FirstErrorsLogger : ILoggerProvider, ILogger
{
    private int written;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel) && Interlocked.Increment(ref written) <= 5)
        {
            Console.Error.WriteLine($"{logLevel} {eventId.Id}: {formatter(state, exception)} {exception?.Message}");
        }
    }

    public void Dispose()
    {
    }
}
