using System.Diagnostics;
using System.Text;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

/// <summary>
/// A program run as a process, as a user or a script would run it: stdout and stderr captured exactly as written
/// (a '\r' stays a '\r'), stdin closed, fed from a stream or written to, signals sent with kill(1), every wait bounded,
/// killed on dispose if still running. The one way the integration tests run a program.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly Lock gate = new();
    private readonly Task pumps;

    private ChildProcess(Process process)
    {
        this.process = process;
        pumps = Task.WhenAll(PumpAsync(process.StandardOutput, stdout), PumpAsync(process.StandardError, stderr));
    }

    /// <summary>Everything written to stdout so far.</summary>
    public string Stdout
    {
        get
        {
            lock (gate)
            {
                return stdout.ToString();
            }
        }
    }

    /// <summary>Everything written to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (gate)
            {
                return stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/> with stdout and stderr redirected and stdin closed, or left open for
    /// <see cref="WriteStdinAsync"/> with <paramref name="openStdin"/>. <paramref name="environment"/> changes the test
    /// process's environment (a null value removes a variable; see <see cref="ChildEnvironment"/> for presets).
    /// </summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null, bool openStdin = false)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        if (!openStdin)
        {
            process.StandardInput.Close();
        }

        return new ChildProcess(process);
    }

    /// <summary>Runs a built program of this repository (<c>dotnet PATH.dll</c>, see <see cref="BuiltPrograms"/>) to its end; see <see cref="RunAsync"/>.</summary>
    public static Task<ProcessRun> RunDllAsync(string dll, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null, Stream? stdin = null) =>
        RunAsync("dotnet", [dll, .. arguments], timeout, workingDirectory, environment, stdin);

    /// <summary>
    /// Runs a program to its end within <paramref name="timeout"/> (else kills it and throws <see cref="TimeoutException"/>),
    /// with <paramref name="stdin"/> copied to its stdin and then closed (closed at once without it).
    /// </summary>
    public static async Task<ProcessRun> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null, Stream? stdin = null)
    {
        await using var child = Start(fileName, arguments, workingDirectory, environment, openStdin: stdin is not null);
        using var deadline = new CancellationTokenSource(timeout);
        if (stdin is not null)
        {
            try
            {
                await stdin.CopyToAsync(child.process.StandardInput.BaseStream, deadline.Token);
                child.CloseStdin();
            }
            catch (OperationCanceledException)
            {
                child.process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{fileName} did not read its stdin within {timeout}; stdout:\n{child.Stdout}\nstderr:\n{child.Stderr}");
            }
            catch (IOException)
            {
                // It ended without reading all of its input (a broken pipe): its exit code and output say why.
            }
        }

        var exitCode = await child.WaitForExitAsync(timeout);
        return new ProcessRun(exitCode, child.Stdout, child.Stderr);
    }

    /// <summary>Writes <paramref name="text"/> to the stdin left open by <see cref="Start"/> and flushes it.</summary>
    public async Task WriteStdinAsync(string text)
    {
        await process.StandardInput.WriteAsync(text);
        await process.StandardInput.FlushAsync();
    }

    /// <summary>Closes stdin (end of input for the program).</summary>
    public void CloseStdin() => process.StandardInput.Close();

    /// <summary>Waits until stdout holds what <paramref name="condition"/> looks for; fails early if the process ends first.</summary>
    public async Task WaitForStdoutAsync(Func<string, bool> condition, TimeSpan timeout, string what)
    {
        await Eventually.HoldsAsync(() => condition(Stdout) || process.HasExited, timeout, $"{what}; stdout so far:\n{Stdout}\nstderr:\n{Stderr}", TimeSpan.FromMilliseconds(100));
        if (!condition(Stdout))
        {
            await pumps.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Fail($"The process exited ({process.ExitCode}) before {what}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    /// <summary>Sends a signal (INT, TERM, ...) with kill(1).</summary>
    public async Task SignalAsync(string signal)
    {
        var (exitCode, _, error) = await RunAsync("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"kill -s {signal} failed: {error}");
    }

    /// <summary>Waits for the exit and for the last output; kills the process and throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            await pumps.WaitAsync(deadline.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The process did not exit within {timeout}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader, StringBuilder sink)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (gate)
            {
                sink.Append(buffer, 0, read);
            }
        }
    }
}
