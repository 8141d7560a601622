using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Kinesis.Benchmarks.Leases;

/// <summary>
/// <c>lease-sim</c>: the lease taker and renewer of a whole fleet on the in-memory lease store and a simulated clock
/// (see docs/lease-simulation.md). Scenarios, run one after the other on the same table: a cold start of the fleet,
/// the whole fleet killed and a new one started 10 s later, and 10 % of the workers killed.
/// </summary>
internal static class LeaseSimCommand
{
    private static readonly TimeSpan BalanceLimit = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan SteadyWindow = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(string[] args)
    {
        LeaseSimulationSettings settings;
        try
        {
            settings = Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            await Console.Error.WriteLineAsync("usage: lease-sim [--workers N] [--shards N] [--seed N] [--max-steal N] [--no-priority] [--write-ms MS] [--scan-ms-per-1000 MS]").ConfigureAwait(false);
            return 2;
        }

        var wall = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sim = new LeaseSimulation(settings);
        var rows = new List<string>();

        sim.CreateLeases();
        sim.StartWorkers(settings.Workers);
        rows.Add(await MeasureAsync(sim, "a. cold start (empty table, fleet starts within 5 s)").ConfigureAwait(false));

        sim.KillWorkers(settings.Workers);
        await sim.RunUntilAsync(sim.Now + TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        sim.StartWorkers(settings.Workers);
        rows.Add(await MeasureAsync(sim, "b. fleet restart (all killed, new fleet 10 s later)", TimeSpan.FromSeconds(10)).ConfigureAwait(false));

        sim.KillWorkers(settings.Workers / 10);
        rows.Add(await MeasureAsync(sim, $"c. 10 % worker loss ({settings.Workers / 10} killed)").ConfigureAwait(false));

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"lease-sim: {settings.Workers} workers x {settings.Shards} leases, seed {settings.Seed}, default KCL timings (failover 10 s, renew 3.308 s, taker 20.05 s), max steal {settings.MaxLeasesToStealAtOneTime}, priority {(settings.PriorityLeaseAssignment ? "on" : "off")}; latencies: scan {settings.ScanBaseLatency.TotalMilliseconds} ms + {settings.ScanLatencyPerThousandItems.TotalMilliseconds} ms/1000 leases, get {settings.ReadLatency.TotalMilliseconds} ms, take {settings.WriteLatency.TotalMilliseconds} ms, renew 0 ms")
            .AppendLine()
            .AppendLine("| scenario | time to balance (s) | writes/s until balanced | takes (failed) | steals/min until balanced | lost: rejected / expired locally | lease-seconds without a live owner | peak leases on one worker | steady writes/s | steady scans/s | steady steals/min |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            report.AppendLine(row);
        }

        report.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"simulated {sim.Now.TotalMinutes:F1} min in {wall.Elapsed.TotalSeconds:F1} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s CPU; taker continuations off the simulation thread: {sim.EscapedContinuations}");
        Console.Write(report.ToString());
        return 0;
    }

    private static async Task<string> MeasureAsync(LeaseSimulation sim, string name, TimeSpan? alreadyElapsed = null)
    {
        var start = sim.Counters();
        var startTime = start.At - (alreadyElapsed ?? TimeSpan.Zero);
        var toBalance = await sim.RunUntilBalancedAsync(BalanceLimit).ConfigureAwait(false);
        var balanced = sim.Counters();
        await sim.RunUntilAsync(sim.Now + SteadyWindow).ConfigureAwait(false);
        var steady = sim.Counters();

        var window = balanced.At - startTime;
        var steadySeconds = (steady.At - balanced.At).TotalSeconds;
        var balanceText = toBalance is { } t ? (t + (alreadyElapsed ?? TimeSpan.Zero)).TotalSeconds.ToString("F0", CultureInfo.InvariantCulture) : $"> {BalanceLimit.TotalSeconds:F0}";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {balanceText} | {(balanced.Writes - start.Writes) / window.TotalSeconds:F0} | {balanced.Takes - start.Takes} ({balanced.FailedTakes - start.FailedTakes}) | {(balanced.Steals - start.Steals) / window.TotalMinutes:F1} | {balanced.LostRejected - start.LostRejected} / {balanced.LostExpiredLocally - start.LostExpiredLocally} | {balanced.OwnerlessLeaseSeconds - start.OwnerlessLeaseSeconds} | {balanced.PeakLeasesOnOneWorker} | {(steady.Writes - balanced.Writes) / steadySeconds:F0} | {(steady.Scans - balanced.Scans) / steadySeconds:F1} | {(steady.Steals - balanced.Steals) / (steadySeconds / 60):F1} |");
    }

    private static LeaseSimulationSettings Parse(string[] args)
    {
        var settings = new LeaseSimulationSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int(int min) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min ? v : throw new ArgumentException($"{args[i - 1]} must be an integer >= {min}.");
            settings = args[i] switch
            {
                "--workers" => settings with { Workers = Int(1) },
                "--shards" => settings with { Shards = Int(1) },
                "--seed" => settings with { Seed = Int(0) },
                "--max-steal" => settings with { MaxLeasesToStealAtOneTime = Int(1) },
                "--no-priority" => settings with { PriorityLeaseAssignment = false },
                "--write-ms" => settings with { WriteLatency = TimeSpan.FromMilliseconds(Int(0)) },
                "--scan-ms-per-1000" => settings with { ScanLatencyPerThousandItems = TimeSpan.FromMilliseconds(Int(0)) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        return settings;
    }
}
