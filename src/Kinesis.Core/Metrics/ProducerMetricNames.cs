namespace Kinesis.Core.Metrics;

/// <summary>
/// Instrument names on the <see cref="KinesisMeterNames.Producer"/> meter: the Java KPL's CloudWatch metric names and
/// meanings. Each entry states the CloudWatch level, the unit and the tags.
/// </summary>
public static class ProducerMetricNames
{
    /// <summary>Counter (Count, detailed; StreamName): user records accepted by the producer, 1 per record.</summary>
    public const string UserRecordsReceived = "UserRecordsReceived";

    /// <summary>Observable gauge (Count, detailed; StreamName): user records buffered or in flight, sampled.</summary>
    public const string UserRecordsPending = "UserRecordsPending";

    /// <summary>Counter (Count, summary; StreamName, ShardId): 1 per user record that succeeded, 0 per one that failed, so the CloudWatch average is the success rate.</summary>
    public const string UserRecordsPut = "UserRecordsPut";

    /// <summary>Counter (Bytes, detailed; StreamName, ShardId): data bytes of each successful user record.</summary>
    public const string UserRecordsDataPut = "UserRecordsDataPut";

    /// <summary>Counter (Count, summary; StreamName, ShardId): 1 per Kinesis record that succeeded, 0 per one that failed.</summary>
    public const string KinesisRecordsPut = "KinesisRecordsPut";

    /// <summary>Counter (Bytes, detailed; StreamName, ShardId): bytes of each successful Kinesis record.</summary>
    public const string KinesisRecordsDataPut = "KinesisRecordsDataPut";

    /// <summary>Counter (Count, summary; ErrorCode, StreamName, ShardId when known): errors by code.</summary>
    public const string ErrorsByCode = "ErrorsByCode";

    /// <summary>Counter (Count, summary; StreamName, ShardId when known): every error.</summary>
    public const string AllErrors = "AllErrors";

    /// <summary>
    /// Counter (Count, summary; StreamName, ShardId when known): 1 per Kinesis record whose PutRecords attempt was
    /// throttled (the record's or the whole call's error), whether it is then retried or failed. Not a KPL metric: the KPL
    /// shows throttling only among <see cref="ErrorsByCode"/>.
    /// </summary>
    public const string KinesisRecordsThrottled = "KinesisRecordsThrottled";

    /// <summary>Histogram (Count, detailed; StreamName, ShardId): attempts minus one, once per finished user record.</summary>
    public const string RetriesPerRecord = "RetriesPerRecord";

    /// <summary>Histogram (Milliseconds, summary; StreamName, ShardId): per attempt, the time from the record's arrival (or its previous attempt's end) to the attempt's start.</summary>
    public const string BufferingTime = "BufferingTime";

    /// <summary>Histogram (Milliseconds, detailed; StreamName): PutRecords latency.</summary>
    public const string RequestTime = "RequestTime";

    /// <summary>Histogram (Count, detailed; StreamName, ShardId): user records per Kinesis record (the aggregation factor).</summary>
    public const string UserRecordsPerKinesisRecord = "UserRecordsPerKinesisRecord";

    /// <summary>Histogram (Count, detailed; StreamName): Kinesis records per PutRecords request (the collection factor).</summary>
    public const string KinesisRecordsPerPutRecordsRequest = "KinesisRecordsPerPutRecordsRequest";

    /// <summary>Histogram (Count, detailed; StreamName): user records per PutRecords request.</summary>
    public const string UserRecordsPerPutRecordsRequest = "UserRecordsPerPutRecordsRequest";

    /// <summary>Counter (Count, summary; StreamName, ShardId): user records that failed because their time to live ran out.</summary>
    public const string UserRecordExpired = "UserRecordExpired";
}
