namespace Kinesis.Client;

/// <summary>The input of <see cref="IShardRecordProcessor.InitializeAsync"/>.</summary>
public sealed class InitializationInput
{
    /// <summary>The shard this processor instance serves.</summary>
    public required string ShardId { get; init; }

    /// <summary>
    /// The stream the shard belongs to, for a multi-stream consumer (<see cref="KinesisConsumerOptions.MultiStream"/>);
    /// <see langword="null"/> for a single-stream one (the stream is <see cref="KinesisConsumerOptions.StreamName"/>).
    /// </summary>
    public StreamIdentifier? Stream { get; init; }

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
    /// the checkpoint the shard started from are filtered out. With <see cref="KinesisConsumerOptions.ParallelizationFactor"/>
    /// above 1, the records of one lane only: those of the batch whose partition keys hash to this lane.
    /// </summary>
    public required IReadOnlyList<KinesisClientRecord> Records { get; init; }

    /// <summary>How far the shard's reader was behind the tip of the stream when the batch was fetched, as reported by Kinesis.</summary>
    public long? MillisBehindLatest { get; init; }

    /// <summary>When the batch was fetched from Kinesis (the KCL's cache entry time).</summary>
    public DateTimeOffset FetchedAt { get; init; }

    /// <summary>
    /// Checkpoints this shard; may be used during the call or later from the same processor. With
    /// <see cref="KinesisConsumerOptions.ParallelizationFactor"/> above 1 it is this call's checkpointer: during the call, a
    /// checkpoint through it counts the call's records up to the checkpoint as done and is written at the low-water mark
    /// if that is lower (see <see cref="RecordProcessorCheckpointer"/>); after the call it checkpoints at the mark.
    /// </summary>
    public required RecordProcessorCheckpointer Checkpointer { get; init; }

    /// <summary>The index in <see cref="Records"/> of the first record reported failed, or -1.</summary>
    internal int FailedIndex { get; private set; } = -1;

    /// <summary>The exception passed with the report that set <see cref="FailedIndex"/>.</summary>
    internal Exception? ReportedException { get; private set; }

    /// <summary>Called with the index when a report moves <see cref="FailedIndex"/> back; it lowers the checkpoint bound and may throw.</summary>
    internal Action<int>? FailureReported { get; init; }

    /// <summary>Set once the call returned: later reports are refused.</summary>
    internal bool IsClosed { get; set; }

    /// <summary>
    /// A partial-batch report (AWS Lambda's ReportBatchItemFailures): <paramref name="record"/> is the first record of this batch
    /// that was not processed, and every record before it was. Call it during <see cref="IShardRecordProcessor.ProcessRecordsAsync"/>
    /// and then return normally (throwing instead fails the whole batch). From the call on, <see cref="RecordProcessorCheckpointer.CheckpointAsync(CancellationToken)"/>
    /// checkpoints just before <paramref name="record"/>; the consumer then delivers again from <paramref name="record"/> on, under
    /// <see cref="KinesisConsumerOptions.ErrorMode"/> and <see cref="KinesisConsumerOptions.PoisonRecords"/> (once a limit is reached,
    /// only that record goes to the dead-letter sink and delivery resumes after it). Reporting more than once keeps the earliest record.
    /// </summary>
    /// <param name="record">A record of <see cref="Records"/>.</param>
    /// <param name="exception">Why it failed, passed on to the dead-letter sink; optional.</param>
    /// <exception cref="ArgumentException">The record is not in this batch.</exception>
    /// <exception cref="InvalidOperationException">The call already returned, or the processor already checkpointed at or past the record.</exception>
    public void ReportFailure(KinesisClientRecord record, Exception? exception = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ReportFailure(record.SequenceNumber, record.SubSequenceNumber, exception);
    }

    /// <summary>
    /// A partial-batch report by position: (<paramref name="sequenceNumber"/>, <paramref name="subSequenceNumber"/>) is the first
    /// record of this batch that was not processed; see <see cref="ReportFailure(KinesisClientRecord, Exception?)"/>.
    /// </summary>
    /// <param name="sequenceNumber">The record's <see cref="KinesisClientRecord.SequenceNumber"/>.</param>
    /// <param name="subSequenceNumber">The record's <see cref="KinesisClientRecord.SubSequenceNumber"/> (its index inside a KPL aggregate; 0 otherwise).</param>
    /// <param name="exception">Why it failed, passed on to the dead-letter sink; optional.</param>
    /// <exception cref="ArgumentException">No record of this batch has that position.</exception>
    /// <exception cref="InvalidOperationException">The call already returned, or the processor already checkpointed at or past the record.</exception>
    public void ReportFailure(string sequenceNumber, long subSequenceNumber = 0, Exception? exception = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sequenceNumber);
        if (IsClosed)
        {
            throw new InvalidOperationException("A failure can be reported only during the ProcessRecordsAsync call that received the batch.");
        }

        var index = IndexOf(sequenceNumber, subSequenceNumber);
        if (index < 0)
        {
            throw new ArgumentException($"No record of this batch of shard {ShardId} is at {sequenceNumber}/{subSequenceNumber}.", nameof(sequenceNumber));
        }

        if (FailedIndex >= 0 && index >= FailedIndex)
        {
            return;
        }

        FailureReported?.Invoke(index);
        FailedIndex = index;
        ReportedException = exception;
    }

    private int IndexOf(string sequenceNumber, long subSequenceNumber)
    {
        for (var i = 0; i < Records.Count; i++)
        {
            var record = Records[i];
            if (record.SubSequenceNumber == subSequenceNumber && string.Equals(record.SequenceNumber, sequenceNumber, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
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
