using System.Globalization;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// The CPU time and wake-ups (voluntary context switches) of this process's threads, grouped by thread name, read from
/// <c>/proc/self/task</c> (Linux only; empty elsewhere). The difference of two snapshots says which threads an idle
/// window's CPU went to: the thread pool's workers, the timer thread, the sockets' event thread, the JIT's tiering.
/// Threads are matched by id, so a thread that ended within the window is missing from it (the thread pool retires idle
/// workers); the clock-tick resolution is 10 ms.
/// </summary>
internal sealed class ThreadCpuCensus
{
    private static readonly double TicksPerSecond = 100;

    private readonly Dictionary<int, (string Name, double CpuMs, long Wakeups)> threads;

    private ThreadCpuCensus(Dictionary<int, (string Name, double CpuMs, long Wakeups)> threads) => this.threads = threads;

    public static ThreadCpuCensus Take()
    {
        var threads = new Dictionary<int, (string Name, double CpuMs, long Wakeups)>();
        if (!Directory.Exists("/proc/self/task"))
        {
            return new ThreadCpuCensus(threads);
        }

        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var name = stat[(open + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');

                // Fields after the name start at field 3 (state): utime is field 14, stime field 15.
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                long wakeups = 0;
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        wakeups = long.Parse(line["voluntary_ctxt_switches:".Length..].Trim(), CultureInfo.InvariantCulture);
                    }
                }

                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (name, ticks * 1000 / TicksPerSecond, wakeups);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The thread ended while it was read.
            }
        }

        return new ThreadCpuCensus(threads);
    }

    /// <summary>One line per thread name with CPU or wake-ups since <paramref name="before"/>, most CPU first.</summary>
    public string Since(ThreadCpuCensus before, double seconds)
    {
        var groups = new Dictionary<string, (double CpuMs, long Wakeups, int Threads)>(StringComparer.Ordinal);
        foreach (var (id, now) in threads)
        {
            var then = before.threads.TryGetValue(id, out var earlier) ? earlier : (now.Name, 0, 0);
            var group = groups.GetValueOrDefault(now.Name);
            groups[now.Name] = (group.CpuMs + now.CpuMs - then.CpuMs, group.Wakeups + now.Wakeups - then.Wakeups, group.Threads + 1);
        }

        var lines = new List<(double CpuMs, string Text)>();
        foreach (var (name, group) in groups)
        {
            if (group.CpuMs > 0 || group.Wakeups > 0)
            {
                lines.Add((group.CpuMs, string.Create(CultureInfo.InvariantCulture, $"{name} ({group.Threads}): {group.CpuMs / seconds:F2} ms/s, {group.Wakeups / seconds:F1} wake-ups/s")));
            }
        }

        lines.Sort((a, b) => b.CpuMs.CompareTo(a.CpuMs));
        return string.Join("; ", lines.ConvertAll(l => l.Text));
    }
}
