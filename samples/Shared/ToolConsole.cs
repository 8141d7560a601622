using System.Runtime.InteropServices;

namespace Kinesis.Samples.Shared;

/// <summary>
/// Ctrl+C and SIGTERM as one cancellation token (the process stays alive until the tool has shut down gracefully),
/// and one-line messages on stderr prefixed with the tool's name.
/// </summary>
internal sealed class ToolConsole : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _sigterm;
    private readonly PosixSignalRegistration _sigint;

    public ToolConsole(string tool)
    {
        Tool = tool;
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>The tool's name, the prefix of every message.</summary>
    public string Tool { get; }

    /// <summary>Cancelled on the first Ctrl+C or SIGTERM.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>Whether a Ctrl+C or SIGTERM arrived.</summary>
    public bool Interrupted => _stop.IsCancellationRequested;

    /// <summary>Writes <c>tool: message</c> to stderr.</summary>
    public void Say(string message) => Console.Error.WriteLine($"{Tool}: {message}");

    /// <summary>Writes <c>tool: message</c> to stderr and returns <paramref name="exitCode"/>.</summary>
    public int Fail(int exitCode, string message)
    {
        Say(message);
        return exitCode;
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // A second signal is left to the runtime's default handling, so a stuck shutdown can still be killed.
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        context.Cancel = true;
        _stop.Cancel();
    }
}
