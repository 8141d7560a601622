using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// Runs another program and measures its CPU time as the operating system counts it: through <c>/bin/sh</c>, whose
/// <c>times</c> built-in prints the user and system time of the children it waited for, so the whole life of the
/// process counts, start-up and shutdown included. While it runs, <see cref="Sample"/> reads its CPU time so far from
/// <c>/proc</c>. Linux only.
/// </summary>
internal sealed partial class ChildProcessCpu
{
    // procfs counts in clock ticks; USER_HZ is 100 on every Linux the runner is meant for.
    private const double TicksPerSecond = 100;

    private readonly Process process;
    private readonly Task<string> output;
    private readonly Task<string> error;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private string? pid;

    private ChildProcessCpu(Process process)
    {
        this.process = process;
        output = process.StandardOutput.ReadToEndAsync();
        error = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Seconds since the start.</summary>
    public double Elapsed => clock.Elapsed.TotalSeconds;

    /// <summary>
    /// Starts <paramref name="file"/> with its standard output sent to /dev/null (the printed records cost their
    /// writing, not a reader) and its standard error captured, with <paramref name="environment"/> added to this process's.
    /// </summary>
    public static ChildProcessCpu Start(string file, IEnumerable<string> arguments, string? workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("\"$@\" > /dev/null; status=$?; times; exit $status");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new ChildProcessCpu(Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start."));
    }

    /// <summary>The program's CPU seconds so far (10 ms resolution), or null before it started or after it ended.</summary>
    public double? Sample()
    {
        if (!output.IsCompleted && (pid ??= ReadPid()) is { } child)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{child}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

                // After the comm field: utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
                return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (IOException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Waits for the end; returns the wall seconds, the program's whole CPU seconds and its standard error.</summary>
    public async Task<(double Seconds, double CpuSeconds, string Error)> WaitAsync()
    {
        await process.WaitForExitAsync().ConfigureAwait(false);
        var seconds = Elapsed;
        var text = await output.ConfigureAwait(false);
        var stderr = await error.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the measured program exited with {process.ExitCode}: {stderr.Trim()}");
        }

        // times prints the shell's own user and system time on one line and its children's on the next.
        var lines = text.Trim().Split('\n');
        var children = TimesPattern().Matches(lines[^1]);
        var cpu = 0.0;
        foreach (Match match in children)
        {
            cpu += (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 60) + double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        process.Dispose();
        return (seconds, cpu, stderr);
    }

    // The program is the shell's only child; the kernel lists it once it was forked.
    private string? ReadPid()
    {
        var path = $"/proc/{process.Id}/task/{process.Id}/children";
        try
        {
            var children = File.ReadAllText(path).Trim();
            return children.Length == 0 ? null : children.Split(' ')[0];
        }
        catch (IOException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"(\d+)m([\d.]+)s")]
    private static partial Regex TimesPattern();
}
