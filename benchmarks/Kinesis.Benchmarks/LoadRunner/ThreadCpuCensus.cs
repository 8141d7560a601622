using System.Globalization;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// The CPU time and wake-ups (voluntary context switches) of this process's threads, grouped by thread name, read from
/// <c>/proc/self/task</c> (Linux only; empty elsewhere). The difference of two snapshots says which threads an idle
/// window's CPU went to: the thread pool's workers, the timer thread, the sockets' event thread, the JIT's tiering.
/// </summary>
internal sealed class ThreadCpuCensus
{
    private static readonly double TicksPerSecond = 100;

    private readonly Dictionary<string, (double CpuMs, long Wakeups, int Threads)> groups;

    private ThreadCpuCensus(Dictionary<string, (double CpuMs, long Wakeups, int Threads)> groups) => this.groups = groups;

    public static ThreadCpuCensus Take()
    {
        var groups = new Dictionary<string, (double CpuMs, long Wakeups, int Threads)>(StringComparer.Ordinal);
        if (!Directory.Exists("/proc/self/task"))
        {
            return new ThreadCpuCensus(groups);
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

                var group = groups.GetValueOrDefault(name);
                groups[name] = (group.CpuMs + (ticks * 1000 / TicksPerSecond), group.Wakeups + wakeups, group.Threads + 1);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The thread ended while it was read.
            }
        }

        return new ThreadCpuCensus(groups);
    }

    /// <summary>One line per thread name with CPU or wake-ups since <paramref name="before"/>, most CPU first.</summary>
    public string Since(ThreadCpuCensus before, double seconds)
    {
        var lines = new List<(double CpuMs, string Text)>();
        foreach (var (name, now) in groups)
        {
            var then = before.groups.GetValueOrDefault(name);
            var cpu = now.CpuMs - then.CpuMs;
            var wakeups = now.Wakeups - then.Wakeups;
            if (cpu > 0 || wakeups > 0)
            {
                lines.Add((cpu, string.Create(CultureInfo.InvariantCulture, $"{name} ({now.Threads}): {cpu / seconds:F2} ms/s, {wakeups / seconds:F1} wake-ups/s")));
            }
        }

        lines.Sort((a, b) => b.CpuMs.CompareTo(a.CpuMs));
        return string.Join("; ", lines.ConvertAll(l => l.Text));
    }
}
