namespace Kinesis.Core.Metrics;

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
