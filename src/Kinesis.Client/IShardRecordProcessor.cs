namespace Kinesis.Client;

/// <summary>
/// Processes the records of one shard. The consumer creates one instance per shard lease it starts processing and calls
/// it from a thread-pool thread, one call at a time and in this order: <see cref="InitializeAsync"/> once, then
/// <see cref="ProcessRecordsAsync"/> for each batch in shard order, then exactly one of <see cref="ShardEndedAsync"/>,
/// <see cref="ShutdownRequestedAsync"/> or <see cref="LeaseLostAsync"/> (none when the shard is stopped by
/// <see cref="ProcessorErrorMode.StopShard"/>). Calls for different shards run concurrently on different instances.
/// When the instance implements <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> it is disposed after its last call.
/// With <see cref="KinesisConsumerOptions.ParallelizationFactor"/> above 1, <see cref="ProcessRecordsAsync"/> is the
/// exception: it is called concurrently on the same instance, one call per lane at a time (see there); the other callbacks
/// never overlap it.
/// </summary>
/// <remarks>
/// Delivery is at least once: after a failover or a crash the new owner restarts from the last checkpoint, so records
/// delivered after it are delivered again. Checkpoint often enough to bound the replay. When another worker steals the
/// lease, this instance may still receive batches until this worker observes the steal (at its next lease renewal or
/// checkpoint, at the latest <see cref="LeaseManagementOptions.FailoverTime"/> after its last renewal); from that moment it
/// gets no further batch, its checkpoints throw <see cref="LeaseLostException"/>, and it gets <see cref="LeaseLostAsync"/>
/// (docs/configuration.md, "The steal window").
/// </remarks>
public interface IShardRecordProcessor
{
    /// <summary>
    /// Called once before the first batch. If it throws, the exception is logged and counted and the call is retried
    /// after a backoff for as long as the lease is held.
    /// </summary>
    /// <param name="input">The shard and its checkpoint.</param>
    /// <param name="cancellationToken">Cancelled when the lease is lost or the consumer is disposed.</param>
    Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default);

    /// <summary>
    /// Processes one non-empty batch. An exception is handled per <see cref="KinesisConsumerOptions.ErrorMode"/> and
    /// <see cref="KinesisConsumerOptions.PoisonRecords"/>; it never stops the worker. An <see cref="OperationCanceledException"/>
    /// caused by <paramref name="cancellationToken"/> is not an error. To fail only part of the batch, call
    /// <see cref="ProcessRecordsInput.ReportFailure(KinesisClientRecord, Exception?)"/> and return: delivery resumes at that record.
    /// With <see cref="KinesisConsumerOptions.ParallelizationFactor"/> N above 1, up to N calls for this shard run at the same
    /// time on this instance, from different thread-pool threads, so the implementation must be safe for concurrent calls:
    /// each call gets the records of one lane (a partition-key hash group) in shard order, the records of one key always in
    /// the same lane and in order, and records of different keys interleave across calls. A call's
    /// <see cref="ProcessRecordsInput.Checkpointer"/> counts that call's records as done and checkpoints at the shard's
    /// low-water mark (<see cref="RecordProcessorCheckpointer"/>).
    /// </summary>
    /// <param name="input">The records and the checkpointer.</param>
    /// <param name="cancellationToken">Cancelled when the lease is lost or the consumer is disposed (not on a graceful stop, which lets the batch finish within <see cref="KinesisConsumerOptions.ShutdownTimeout"/>).</param>
    Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default);

    /// <summary>
    /// The lease was lost (taken by another worker, expired, or the consumer was disposed without a graceful stop).
    /// Do not checkpoint: it would throw <see cref="LeaseLostException"/>. Exceptions are logged and ignored.
    /// </summary>
    /// <param name="input">The shard.</param>
    /// <param name="cancellationToken">Cancelled when the consumer is disposed.</param>
    Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default);

    /// <summary>
    /// All records of the shard were delivered. The processor must call <see cref="RecordProcessorCheckpointer.CheckpointAsync(CancellationToken)"/>
    /// (which writes SHARD_END); until it does, the call is repeated after <see cref="KinesisConsumerOptions.ParentShardPollInterval"/>
    /// and the child shards stay blocked. Exceptions are logged and the call is repeated the same way.
    /// </summary>
    /// <param name="input">The shard and its checkpointer.</param>
    /// <param name="cancellationToken">Cancelled when the lease is lost or the consumer is disposed.</param>
    Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default);

    /// <summary>
    /// The consumer is stopping gracefully and still holds the lease: checkpoint what was processed so the next owner
    /// starts there. Exceptions are logged and ignored; the lease is released afterwards either way.
    /// </summary>
    /// <param name="input">The shard and its checkpointer.</param>
    /// <param name="cancellationToken">Cancelled when <see cref="KinesisConsumerOptions.ShutdownTimeout"/> runs out.</param>
    Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default);
}
