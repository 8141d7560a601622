using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kinesis.Agent.Tests;

/// <summary>Keeps every log entry (event id and message) for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<(int EventId, string Message)> entries = new();

    public IReadOnlyList<(int EventId, string Message)> Entries => entries.ToArray();

    public int Count(int eventId) => entries.Count(e => e.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        entries.Enqueue((eventId.Id, formatter(state, exception)));

    public void Dispose()
    {
    }
}
