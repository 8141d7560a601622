namespace Kinesis.Core.Metrics;

/// <summary>
/// Names of the <see cref="System.Diagnostics.Metrics.Meter"/>s this library records on. Subscribe to them by name
/// (OpenTelemetry <c>AddMeter</c>, <c>dotnet-counters monitor --counters Kinesis.Producer</c>, a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>) to see every instrument without extra code.
/// </summary>
public static class KinesisMeterNames
{
    /// <summary>The producer's meter; its instruments are named by <see cref="ProducerMetricNames"/>.</summary>
    public const string Producer = "Kinesis.Producer";

    /// <summary>The consumer's meter; its instruments are named by <see cref="ConsumerMetricNames"/>.</summary>
    public const string Client = "Kinesis.Client";
}

/// <summary>
/// Tag keys attached to measurements. They are the CloudWatch dimension names of the Java KPL and KCL, so a tag and
/// the dimension uploaded for it read the same.
/// </summary>
public static class MetricTagNames
{
    /// <summary>The stream name.</summary>
    public const string StreamName = "StreamName";

    /// <summary>The shard id (<c>shardId-000000000000</c>); for the producer, the predicted shard.</summary>
    public const string ShardId = "ShardId";

    /// <summary>The service or client error code of <see cref="ProducerMetricNames.ErrorsByCode"/>.</summary>
    public const string ErrorCode = "ErrorCode";

    /// <summary>The consumer operation (<see cref="ConsumerOperations"/>).</summary>
    public const string Operation = "Operation";

    /// <summary>The consumer worker's identifier.</summary>
    public const string WorkerIdentifier = "WorkerIdentifier";

    /// <summary>The consumer application name. Not uploaded as a CloudWatch dimension: it is the KCL's namespace.</summary>
    public const string Application = "Application";
}

/// <summary>Units of the instruments (UCUM, as OpenTelemetry expects); CloudWatch receives Count, Bytes and Milliseconds.</summary>
public static class MetricUnits
{
    /// <summary>A dimensionless count (CloudWatch unit <c>Count</c>).</summary>
    public const string Count = "{count}";

    /// <summary>Bytes (CloudWatch unit <c>Bytes</c>).</summary>
    public const string Bytes = "By";

    /// <summary>Milliseconds (CloudWatch unit <c>Milliseconds</c>).</summary>
    public const string Milliseconds = "ms";
}

/// <summary>
/// How much is uploaded to CloudWatch, as the KPL's <c>MetricsLevel</c>: each metric is either a summary metric or a
/// detailed one (see <see cref="ProducerMetricNames"/> and <see cref="ConsumerMetricNames"/>).
/// </summary>
public enum MetricsLevel
{
    /// <summary>Nothing is uploaded.</summary>
    None = 0,

    /// <summary>Only the summary metrics.</summary>
    Summary = 1,

    /// <summary>Every metric (the default).</summary>
    Detailed = 2,
}

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
