namespace Kinesis.Benchmarks.Leases;

/// <summary>Cumulative counters at one moment; differences of two give a window's rates.</summary>
internal sealed record LeaseSimulationCounters(
    TimeSpan At,
    long Writes,
    long Renewals,
    long Takes,
    long FailedTakes,
    long Scans,
    long Reads,
    long Steals,
    long OwnerlessLeaseSeconds,
    long LostRejected,
    long LostExpiredLocally,
    long TakerErrors,
    int PeakLeasesOnOneWorker);
