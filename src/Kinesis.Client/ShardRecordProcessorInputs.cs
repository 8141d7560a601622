namespace Kinesis.Client;

/// <summary>The input of <see cref="IShardRecordProcessor.InitializeAsync"/>.</summary>
public sealed class InitializationInput
{
    /// <summary>The shard this processor instance serves.</summary>
    public required string ShardId { get; init; }

    /// <summary>The lease's committed checkpoint: a sequence number or a sentinel such as <see cref="ExtendedSequenceNumber.TrimHorizon"/>. Delivery starts right after it.</summary>
    public required ExtendedSequenceNumber Checkpoint { get; init; }

    /// <summary>The prepared (two-phase) checkpoint left by a previous owner, or <see langword="null"/>.</summary>
    public ExtendedSequenceNumber? PendingCheckpoint { get; init; }

    /// <summary>The application state stored with <see cref="PendingCheckpoint"/>, or <see langword="null"/>.</summary>
    public ReadOnlyMemory<byte>? PendingCheckpointState { get; init; }
}

/// <summary>The input of <see cref="IShardRecordProcessor.ProcessRecordsAsync"/>: one batch of user records in shard order.</summary>
public sealed class ProcessRecordsInput
{
    /// <summary>The shard the records come from.</summary>
    public required string ShardId { get; init; }

    /// <summary>
    /// The user records, deaggregated, in sequence-number then sub-sequence-number order; never empty. Records at or before
    /// the checkpoint the shard started from are filtered out.
    /// </summary>
    public required IReadOnlyList<KinesisClientRecord> Records { get; init; }

    /// <summary>How far the shard's reader was behind the tip of the stream when the batch was fetched, as reported by Kinesis.</summary>
    public long? MillisBehindLatest { get; init; }

    /// <summary>When the batch was fetched from Kinesis (the KCL's cache entry time).</summary>
    public DateTimeOffset FetchedAt { get; init; }

    /// <summary>Checkpoints this shard; may be used during the call or later from the same processor.</summary>
    public required RecordProcessorCheckpointer Checkpointer { get; init; }
}

/// <summary>The input of <see cref="IShardRecordProcessor.LeaseLostAsync"/>.</summary>
public sealed class LeaseLostInput
{
    /// <summary>The shard whose lease was lost.</summary>
    public required string ShardId { get; init; }
}

/// <summary>The input of <see cref="IShardRecordProcessor.ShardEndedAsync"/>.</summary>
public sealed class ShardEndedInput
{
    /// <summary>The shard that ended.</summary>
    public required string ShardId { get; init; }

    /// <summary>The checkpointer; the processor must call <see cref="RecordProcessorCheckpointer.CheckpointAsync(CancellationToken)"/> on it.</summary>
    public required RecordProcessorCheckpointer Checkpointer { get; init; }
}

/// <summary>The input of <see cref="IShardRecordProcessor.ShutdownRequestedAsync"/>.</summary>
public sealed class ShutdownRequestedInput
{
    /// <summary>The shard being handed over.</summary>
    public required string ShardId { get; init; }

    /// <summary>The checkpointer; the lease is still held, so a checkpoint here avoids duplicates for the next owner.</summary>
    public required RecordProcessorCheckpointer Checkpointer { get; init; }
}
