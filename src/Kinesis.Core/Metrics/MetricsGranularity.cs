namespace Kinesis.Core.Metrics;

/// <summary>
/// The finest dimension uploaded, as the KPL's <c>MetricsGranularity</c>. Each sample is also added to its coarser
/// series: a shard-level sample counts in its stream series and in the global series.
/// </summary>
public enum MetricsGranularity
{
    /// <summary>Only the series without stream or shard dimensions.</summary>
    Global = 0,

    /// <summary>Global and per-stream series.</summary>
    Stream = 1,

    /// <summary>Global, per-stream and per-shard series (the default).</summary>
    Shard = 2,
}
