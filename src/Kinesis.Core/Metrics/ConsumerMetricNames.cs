namespace Kinesis.Core.Metrics;

/// <summary>
/// Instrument names on the <see cref="KinesisMeterNames.Client"/> meter: the Java KCL's CloudWatch metric names.
/// Every measurement carries <see cref="MetricTagNames.Application"/>, <see cref="MetricTagNames.WorkerIdentifier"/>
/// and <see cref="MetricTagNames.Operation"/> (<see cref="ConsumerOperations"/>); per-shard ones also carry
/// <see cref="MetricTagNames.StreamName"/> and <see cref="MetricTagNames.ShardId"/>.
/// </summary>
public static class ConsumerMetricNames
{
    /// <summary>Counter (Count, summary; ProcessTask): records delivered to the record processor.</summary>
    public const string RecordsProcessed = "RecordsProcessed";

    /// <summary>Counter (Bytes, summary; ProcessTask): data bytes delivered to the record processor.</summary>
    public const string DataBytesProcessed = "DataBytesProcessed";

    /// <summary>Histogram (Milliseconds, summary; ProcessTask): how far the shard's reader is behind the tip, per batch.</summary>
    public const string MillisBehindLatest = "MillisBehindLatest";

    /// <summary>Histogram (Milliseconds, summary; ProcessTask): time spent in the record processor per batch.</summary>
    public const string ProcessRecordsTime = "RecordProcessor.processRecords.Time";

    /// <summary>Counter (Count, summary; ProcessTask): shard iterators that expired and were renewed.</summary>
    public const string ExpiredIterator = "ExpiredIterator";

    /// <summary>Observable gauge (Count, summary; RenewAllLeases): leases the worker holds after its last renewal pass.</summary>
    public const string CurrentLeases = "CurrentLeases";

    /// <summary>Counter (Count, summary; RenewAllLeases): leases lost during renewal.</summary>
    public const string LostLeases = "LostLeases";

    /// <summary>Counter (Count, summary; TakeLeases): leases taken (including stolen).</summary>
    public const string TakenLeases = "TakenLeases";

    /// <summary>Counter (Count, summary; TakeLeases): leases not taken because the worker reached its maximum.</summary>
    public const string LeaseSpillover = "LeaseSpillover";

    /// <summary>Histogram (Count, summary; any operation): 1 per successful operation, 0 per failed one (average = success rate).</summary>
    public const string Success = "Success";

    /// <summary>Histogram (Milliseconds, summary; any operation): duration of the operation.</summary>
    public const string Time = "Time";

    /// <summary>Histogram (Count, detailed; ProcessTask): 1 per successful GetRecords call, 0 per failed one.</summary>
    public const string GetRecordsSuccess = "KinesisDataFetcher.getRecords.Success";

    /// <summary>Histogram (Milliseconds, detailed; ProcessTask): GetRecords latency.</summary>
    public const string GetRecordsTime = "KinesisDataFetcher.getRecords.Time";

    /// <summary>Counter (Count, summary; ProcessTask): GetRecords calls throttled.</summary>
    public const string GetRecordsThrottled = "KinesisDataFetcher.getRecords.Throttled";

    /// <summary>Histogram (Count, detailed; ProcessTask): 1 per subscription that started, 0 per one that failed to.</summary>
    public const string SubscribeToShardSuccess = "FanOutRecordsPublisher.subscribeToShard.Success";

    /// <summary>Histogram (Milliseconds, detailed; ProcessTask): time until a SubscribeToShard call was answered.</summary>
    public const string SubscribeToShardTime = "FanOutRecordsPublisher.subscribeToShard.Time";

    /// <summary>Counter (Count, summary; ProcessTask): SubscribeToShard calls throttled.</summary>
    public const string SubscribeToShardThrottled = "FanOutRecordsPublisher.subscribeToShard.Throttled";

    /// <summary>Counter (Count, summary; ProcessTask): user records handed to the dead-letter sink after a poison-record limit was reached (not a KCL metric).</summary>
    public const string RecordsDeadLettered = "RecordsDeadLettered";

    /// <summary>Counter (Count, summary; ProcessTask): failing batches split in two by BisectBatchOnError (not a KCL metric).</summary>
    public const string BatchesBisected = "BatchesBisected";

    /// <summary>Counter (Count, summary; ProcessTask): deliveries of records the processor failed on before, after a backoff (not a KCL metric).</summary>
    public const string ProcessRecordsRetries = "RecordProcessor.processRecords.Retries";

    /// <summary>Histogram (Count, detailed; ProcessTask): per batch delivered on several lanes (ParallelizationFactor above 1), the lanes that had records (not a KCL metric).</summary>
    public const string LanesBusy = "LanesBusy";

    /// <summary>Observable gauge (Count, summary; MultiStreamTracker): streams in a multi-stream consumer's list after its last stream sync.</summary>
    public const string ActiveStreamsCount = "ActiveStreams.Count";

    /// <summary>Observable gauge (Count, summary; MultiStreamTracker): former streams whose leases wait for their deletion delay, after the last stream sync.</summary>
    public const string StreamsPendingDeletionCount = "StreamsPendingDeletion.Count";

    /// <summary>Counter (Count, summary; MultiStreamTracker): former streams whose leases were deleted.</summary>
    public const string DeletedStreamsCount = "DeletedStreams.Count";
}
