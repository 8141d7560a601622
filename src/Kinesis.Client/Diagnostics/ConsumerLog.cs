using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Diagnostics;

/// <summary>Log events of the consumer (event ids 3000–3099); lease-layer events use 2000–2099.</summary>
internal static partial class ConsumerLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Consumer {WorkerId} started on stream {StreamName} (application {ApplicationName}).")]
    public static partial void Started(ILogger logger, string workerId, string streamName, string applicationName);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Consumer {WorkerId} stopped ({Graceful}).")]
    public static partial void Stopped(ILogger logger, string workerId, string graceful);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Consumer {WorkerId}: the dispatch loop failed; it continues at the next interval.")]
    public static partial void DispatchLoopFailed(ILogger logger, string workerId, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Consumer {WorkerId}: {Count} shard consumers did not finish within the shutdown timeout and were cancelled.")]
    public static partial void ShutdownTimedOut(ILogger logger, string workerId, int count);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Start-up: {Step} failed transiently (retry {Retry}); retrying in {Delay} until StartTimeout.")]
    public static partial void StartStepRetry(ILogger logger, string step, int retry, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "The lease table of application {ApplicationName} is in DynamoDB at {DynamoDbEndpoint} while Kinesis uses the custom endpoint {KinesisEndpoint}.")]
    public static partial void LeaseTableOnRegionalDynamoDb(ILogger logger, string applicationName, Uri dynamoDbEndpoint, Uri kinesisEndpoint);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Error, Message = "Shard sync failed for stream {StreamName}; it runs again at the next interval.")]
    public static partial void ShardSyncFailed(ILogger logger, string streamName, Exception exception);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Created lease {LeaseKey} at {Checkpoint}.")]
    public static partial void LeaseCreated(ILogger logger, string leaseKey, string? checkpoint);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Deleted finished lease {LeaseKey}: its children have started.")]
    public static partial void LeaseCleanedUp(ILogger logger, string leaseKey);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Deleted lease {LeaseKey}: its shard is no longer in the stream (trimmed by retention) and no child needs it.")]
    public static partial void GoneShardLeaseCleanedUp(ILogger logger, string leaseKey);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "Could not confirm that unlisted shard {ShardId} is gone; its lease is kept and checked again at the next shard sync.")]
    public static partial void GoneShardCheckFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "The processor of shard {ShardId} threw while processing {RecordCount} records (attempt {Attempt}); the batch is retried in {Delay}.")]
    public static partial void ProcessorFailedRetrying(ILogger logger, string shardId, int recordCount, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Error, Message = "The processor of shard {ShardId} threw while processing {RecordCount} records; the batch ({FirstSequenceNumber} to {LastSequenceNumber}) is skipped.")]
    public static partial void ProcessorFailedSkipping(ILogger logger, string shardId, int recordCount, string firstSequenceNumber, string lastSequenceNumber, Exception exception);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Critical, Message = "The processor of shard {ShardId} threw while processing {RecordCount} records; processing of the shard is stopped until the consumer restarts.")]
    public static partial void ProcessorFailedStopping(ILogger logger, string shardId, int recordCount, Exception exception);

    [LoggerMessage(EventId = 3080, Level = LogLevel.Warning, Message = "The processor of shard {ShardId} failed on {RecordCount} records ({FirstSequenceNumber} to {LastSequenceNumber}); the batch is split in two halves (BisectBatchOnError).")]
    public static partial void ProcessorFailedSplitting(ILogger logger, string shardId, int recordCount, ExtendedSequenceNumber firstSequenceNumber, ExtendedSequenceNumber lastSequenceNumber, Exception exception);

    [LoggerMessage(EventId = 3081, Level = LogLevel.Error, Message = "The processor of shard {ShardId} failed on {RecordCount} records ({FirstSequenceNumber} to {LastSequenceNumber}) {Attempts} times ({Reason}); they are sent to the dead-letter sink.")]
    public static partial void DeadLettering(ILogger logger, string shardId, int recordCount, ExtendedSequenceNumber firstSequenceNumber, ExtendedSequenceNumber lastSequenceNumber, int attempts, DeadLetterReason reason, Exception exception);

    [LoggerMessage(EventId = 3082, Level = LogLevel.Error, Message = "The dead-letter sink failed for {RecordCount} records of shard {ShardId} (attempt {Attempt}); retried in {Delay}, the shard waits.")]
    public static partial void DeadLetterSinkFailed(ILogger logger, string shardId, int recordCount, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3083, Level = LogLevel.Error, Message = "The processor of shard {ShardId} failed on {RecordCount} records ({FirstSequenceNumber} to {LastSequenceNumber}) {Attempts} times ({Reason}); no dead-letter sink is set and SkipWithoutDeadLetter is on, so they are skipped.")]
    public static partial void SkippedWithoutDeadLetter(ILogger logger, string shardId, int recordCount, ExtendedSequenceNumber firstSequenceNumber, ExtendedSequenceNumber lastSequenceNumber, int attempts, DeadLetterReason reason, Exception exception);

    [LoggerMessage(EventId = 3084, Level = LogLevel.Information, Message = "The processor of shard {ShardId} reported {FailedSequenceNumber} as the first failed record of {RecordCount}; delivery resumes from it.")]
    public static partial void PartialFailureReported(ILogger logger, string shardId, ExtendedSequenceNumber failedSequenceNumber, int recordCount);

    [LoggerMessage(EventId = 3090, Level = LogLevel.Debug, Message = "Shard {ShardId}: {RecordCount} records delivered on {BusyLanes} of {LaneCount} lanes ({Outcome}); the low-water mark is {LowWaterMark}.")]
    public static partial void LanesDelivered(ILogger logger, string shardId, int recordCount, int busyLanes, int laneCount, string outcome, ExtendedSequenceNumber lowWaterMark);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Error, Message = "The processor of shard {ShardId} threw in {Callback}.")]
    public static partial void ProcessorCallbackFailed(ILogger logger, string shardId, string callback, Exception exception);

    [LoggerMessage(EventId = 3024, Level = LogLevel.Warning, Message = "The processor of shard {ShardId} did not checkpoint at shard end; it is asked again in {Delay} and the child shards stay blocked.")]
    public static partial void ShardEndNotCheckpointed(ILogger logger, string shardId, TimeSpan delay);

    [LoggerMessage(EventId = 3025, Level = LogLevel.Information, Message = "Shard {ShardId} waits for parent {ParentShardId} to reach SHARD_END.")]
    public static partial void WaitingOnParent(ILogger logger, string shardId, string parentShardId);

    [LoggerMessage(EventId = 3026, Level = LogLevel.Information, Message = "Shard {ShardId} reached its end; {ChildCount} child shards.")]
    public static partial void ShardEnded(ILogger logger, string shardId, int childCount);

    [LoggerMessage(EventId = 3027, Level = LogLevel.Error, Message = "Shard {ShardId}: lease-table call failed during {Step}; retrying.")]
    public static partial void LeaseStepFailed(ILogger logger, string shardId, string step, Exception exception);

    [LoggerMessage(EventId = 3028, Level = LogLevel.Error, Message = "Shard consumer {ShardId} failed unexpectedly; it is restarted while the lease is held.")]
    public static partial void ShardConsumerFailed(ILogger logger, string shardId, Exception exception);

    // Event 3029 (a shard consumer ended) is ShardConsumerLog.ShardConsumerEnded, beside the type it reports.

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning, Message = "GetRecords for shard {ShardId} was throttled ({Consecutive} in a row); backing off {Delay}.")]
    public static partial void GetRecordsThrottled(ILogger logger, string shardId, int consecutive, TimeSpan delay);

    [LoggerMessage(EventId = 3031, Level = LogLevel.Information, Message = "The iterator of shard {ShardId} expired; a new one starts after {SequenceNumber}.")]
    public static partial void IteratorExpired(ILogger logger, string shardId, string sequenceNumber);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Warning, Message = "Shard {ShardId} was not found; treated as the shard's end.")]
    public static partial void ShardNotFound(ILogger logger, string shardId);

    [LoggerMessage(EventId = 3033, Level = LogLevel.Warning, Message = "Reading shard {ShardId} failed; retrying in {Delay}.")]
    public static partial void GetRecordsFailed(ILogger logger, string shardId, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3034, Level = LogLevel.Error, Message = "A ShardStopped handler threw for shard {ShardId} (lease {LeaseKey}); the exception was ignored.")]
    public static partial void ShardStoppedHandlerFailed(ILogger logger, string shardId, string leaseKey, Exception exception);

    [LoggerMessage(EventId = 3035, Level = LogLevel.Warning, Message = "Shard {ShardId}: the lease is no longer held by this worker; {RecordCount} records from {FirstSequenceNumber} were not delivered and the processor gets LeaseLostAsync.")]
    public static partial void DeliveryRefusedLeaseLost(ILogger logger, string shardId, int recordCount, string firstSequenceNumber);

    [LoggerMessage(EventId = 3036, Level = LogLevel.Information, Message = "Shard {ShardId} started on worker {WorkerId} at {Checkpoint}.")]
    public static partial void ShardStarted(ILogger logger, string shardId, string workerId, ExtendedSequenceNumber checkpoint);

    [LoggerMessage(EventId = 3037, Level = LogLevel.Debug, Message = "Shard {ShardId}: checkpoint written at {Checkpoint}.")]
    public static partial void CheckpointWritten(ILogger logger, string shardId, ExtendedSequenceNumber checkpoint);

    [LoggerMessage(EventId = 3038, Level = LogLevel.Warning, Message = "Shard {ShardId}: checkpoint at {Checkpoint} refused, the lease is no longer held by this worker.")]
    public static partial void CheckpointLeaseLost(ILogger logger, string shardId, ExtendedSequenceNumber checkpoint);
}
