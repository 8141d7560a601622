namespace Kinesis.Core.Metrics;

/// <summary>Values of the <see cref="MetricTagNames.Operation"/> tag, as the KCL names its metric scopes.</summary>
public static class ConsumerOperations
{
    /// <summary>Fetching and processing a shard's records.</summary>
    public const string ProcessTask = "ProcessTask";

    /// <summary>The periodic renewal of the worker's leases.</summary>
    public const string RenewAllLeases = "RenewAllLeases";

    /// <summary>The periodic taking (and stealing) of leases.</summary>
    public const string TakeLeases = "TakeLeases";

    /// <summary>Writing a checkpoint to the lease table.</summary>
    public const string Checkpoint = "Checkpoint";

    /// <summary>The periodic stream sync of a multi-stream consumer (the KCL's multi-stream tracker).</summary>
    public const string MultiStreamTracker = "MultiStreamTracker";
}
