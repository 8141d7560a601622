namespace Kinesis.Client;

/// <summary>
/// What the consumer does when <see cref="IShardRecordProcessor.ProcessRecordsAsync"/> throws. In every mode the worker keeps
/// running, the exception is logged (event ids 3020–3022) and counted, and other shards are unaffected.
/// </summary>
public enum ProcessorErrorMode
{
    /// <summary>
    /// Deliver the same batch again after a full-jitter exponential backoff
    /// (<see cref="KinesisConsumerOptions.ProcessorRetryBaseDelay"/> up to <see cref="KinesisConsumerOptions.ProcessorRetryMaxDelay"/>),
    /// for as long as the lease is held and no shutdown is requested. Nothing is skipped; a poison batch stalls its shard,
    /// unless <see cref="KinesisConsumerOptions.PoisonRecords"/> sets a limit, bisecting or a dead-letter sink. Records the
    /// processor checkpointed before it threw are not delivered again.
    /// </summary>
    RetryBatch,

    /// <summary>
    /// Stop processing the shard: the processor gets no further calls and is disposed, the lease stays held (so no other
    /// worker processes the shard) until this consumer stops, and <see cref="KinesisConsumer.ShardStopped"/> is raised.
    /// After a restart the shard resumes from its last checkpoint.
    /// </summary>
    StopShard,

    /// <summary>
    /// Skip the batch and deliver the next one (the Java KCL's behaviour). The skipped records are lost to the processor;
    /// a later checkpoint may move past them.
    /// </summary>
    SkipBatch,
}
