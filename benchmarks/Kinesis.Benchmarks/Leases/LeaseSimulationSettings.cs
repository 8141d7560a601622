using Kinesis.Client;

namespace Kinesis.Benchmarks.Leases;

/// <summary>Fleet size, seed, the simulated latencies of the lease table and the taker options varied by the command line.</summary>
internal sealed record LeaseSimulationSettings
{
    public int Workers { get; init; } = 200;

    public int Shards { get; init; } = 4000;

    public int Seed { get; init; } = 1;

    /// <summary>Workers of a fleet start within this time of each other.</summary>
    public TimeSpan StartSpread { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ScanBaseLatency { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan ScanLatencyPerThousandItems { get; init; } = TimeSpan.FromMilliseconds(40);

    public TimeSpan ReadLatency { get; init; } = TimeSpan.FromMilliseconds(5);

    public TimeSpan WriteLatency { get; init; } = TimeSpan.FromMilliseconds(8);

    public int MaxLeasesToStealAtOneTime { get; init; } = LeaseManagementOptions.DefaultMaxLeasesToStealAtOneTime;

    public bool PriorityLeaseAssignment { get; init; } = LeaseManagementOptions.DefaultEnablePriorityLeaseAssignment;
}
