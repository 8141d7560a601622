using Kinesis.Client.Diagnostics;
using Kinesis.Client.Leases;
using Kinesis.Core.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client;

/// <summary>
/// Records how far a shard has been processed, in the lease table. A checkpoint must lie between the last checkpoint and
/// the last record delivered to the processor (both inclusive); re-checkpointing the same position does nothing.
/// Safe for concurrent use: writes for one shard are serialized.
/// </summary>
/// <remarks>
/// With <see cref="KinesisConsumerOptions.ParallelizationFactor"/> above 1, the bound is the low-water mark of the shard's
/// lanes, and <see cref="ProcessRecordsInput.Checkpointer"/> is the checkpointer of that call: a checkpoint through it first
/// counts the call's records up to the position (all of them for <see cref="CheckpointAsync(CancellationToken)"/>, those
/// before a reported failure) as done, then writes the shard's checkpoint at that position or at the low-water mark, whichever
/// is lower, so it never passes a record still in flight on another lane. A lane call's checkpoint below the last checkpoint
/// (which another lane wrote) is already covered and writes nothing.
/// </remarks>
/// <remarks>
/// DynamoDB throttling and transient faults are retried with backoff by the lease layer (<see cref="LeaseManagementOptions.MaxRetryAttempts"/>)
/// and then rethrown. When the lease is no longer held, every method throws <see cref="LeaseLostException"/>.
/// </remarks>
public sealed class RecordProcessorCheckpointer
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly ICheckpointWriter? writer;
    private readonly Guid concurrencyToken;
    private readonly string? leaseKey;
    private ExtendedSequenceNumber lastCheckpoint;
    private ExtendedSequenceNumber largestPermitted;
    private IReadOnlyList<string>? shardEndChildren;

    // A lane call's checkpointer: the shard's, and how to count the call's records done up to a position (null: all of them),
    // returning the shard's bound afterwards.
    private readonly RecordProcessorCheckpointer? shard;
    private readonly Func<ExtendedSequenceNumber?, ExtendedSequenceNumber>? declareDone;

    internal RecordProcessorCheckpointer(string shardId, ICheckpointWriter? writer, Guid concurrencyToken, ExtendedSequenceNumber checkpoint)
    {
        ShardId = shardId;
        this.writer = writer;
        this.concurrencyToken = concurrencyToken;
        lastCheckpoint = checkpoint;
        largestPermitted = checkpoint;
    }

    private RecordProcessorCheckpointer(RecordProcessorCheckpointer shard, Func<ExtendedSequenceNumber?, ExtendedSequenceNumber> declareDone)
    {
        ShardId = shard.ShardId;
        this.shard = shard;
        this.declareDone = declareDone;
        lastCheckpoint = shard.LastCheckpoint;
        largestPermitted = shard.LargestPermittedCheckpoint;
    }

    /// <summary>Where checkpoint writes are recorded; none by default.</summary>
    internal ConsumerMetrics? Metrics { get; init; }

    /// <summary>The lease written to: the shard id (single-stream) or <c>ACCOUNT:STREAM:EPOCH:SHARDID</c> (multi-stream); default <see cref="ShardId"/>.</summary>
    internal string LeaseKey
    {
        get => leaseKey ?? ShardId;
        init => leaseKey = value;
    }

    /// <summary>The stream name the checkpoint metric is tagged with.</summary>
    internal string StreamName { get; init; } = string.Empty;

    /// <summary>Where written and refused checkpoints are logged (event ids 3037, 3038); none by default.</summary>
    internal ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The clock checkpoint latency is measured with.</summary>
    internal TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The shard this checkpointer writes for.</summary>
    public string ShardId { get; }

    /// <summary>The last committed checkpoint (at start, the lease's checkpoint).</summary>
    public ExtendedSequenceNumber LastCheckpoint => shard?.LastCheckpoint ?? Volatile.Read(ref lastCheckpoint);

    /// <summary>
    /// The position of the last record delivered to the processor; checkpoints cannot go beyond it. With
    /// <see cref="KinesisConsumerOptions.ParallelizationFactor"/> above 1: the low-water mark, the last position below which
    /// every delivered record is done.
    /// </summary>
    public ExtendedSequenceNumber LargestPermittedCheckpoint => shard?.LargestPermittedCheckpoint ?? Volatile.Read(ref largestPermitted);

    internal bool IsAtShardEnd => Volatile.Read(ref shardEndChildren) is not null;

    /// <summary>
    /// Checkpoints at the last record delivered so far; at shard end (in <see cref="IShardRecordProcessor.ShardEndedAsync"/>)
    /// writes SHARD_END, which unblocks the child shards.
    /// </summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="LeaseLostException">The lease is no longer held by this worker.</exception>
    public Task CheckpointAsync(CancellationToken cancellationToken = default) =>
        shard is not null && declareDone is not null
            ? shard.WriteAsync(declareDone(null), cancellationToken, fromLane: true)
            : WriteAsync(IsAtShardEnd ? ExtendedSequenceNumber.ShardEnd : LargestPermittedCheckpoint, cancellationToken);

    /// <summary>Checkpoints at <paramref name="record"/> (its sequence and sub-sequence number): it and everything before it count as processed.</summary>
    /// <param name="record">A record delivered to this shard's processor.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="ArgumentException">The record lies before the last checkpoint or after the last delivered record.</exception>
    /// <exception cref="LeaseLostException">The lease is no longer held by this worker.</exception>
    public Task CheckpointAsync(KinesisClientRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return WriteAtAsync(record.ToExtendedSequenceNumber(), cancellationToken);
    }

    /// <summary>Checkpoints at (<paramref name="sequenceNumber"/>, <paramref name="subSequenceNumber"/>).</summary>
    /// <param name="sequenceNumber">A sequence number of this shard.</param>
    /// <param name="subSequenceNumber">The user record's index inside an aggregated record; 0 for a plain record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="ArgumentException">The position is malformed, lies before the last checkpoint, or after the last delivered record.</exception>
    /// <exception cref="LeaseLostException">The lease is no longer held by this worker.</exception>
    public Task CheckpointAsync(string sequenceNumber, long subSequenceNumber = 0, CancellationToken cancellationToken = default) =>
        WriteAtAsync(Parse(sequenceNumber, subSequenceNumber), cancellationToken);

    /// <summary>
    /// Prepares a two-phase checkpoint at the last delivered record with optional application state, without moving the
    /// committed checkpoint. A later <see cref="CheckpointAsync(CancellationToken)"/> commits and clears it; after a failover
    /// the next processor sees it in <see cref="InitializationInput.PendingCheckpoint"/>.
    /// </summary>
    /// <param name="applicationState">Bytes stored with the pending checkpoint (bounded only by DynamoDB's 400 KB item size).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="LeaseLostException">The lease is no longer held by this worker.</exception>
    public Task PrepareCheckpointAsync(ReadOnlyMemory<byte>? applicationState = null, CancellationToken cancellationToken = default) =>
        shard is not null && declareDone is not null
            ? shard.PrepareAsync(declareDone(null), applicationState, cancellationToken, fromLane: true)
            : PrepareAsync(LargestPermittedCheckpoint, applicationState, cancellationToken);

    /// <summary>Prepares a two-phase checkpoint at (<paramref name="sequenceNumber"/>, <paramref name="subSequenceNumber"/>); the same range rules as a checkpoint apply.</summary>
    /// <param name="sequenceNumber">A sequence number of this shard.</param>
    /// <param name="subSequenceNumber">The user record's index inside an aggregated record.</param>
    /// <param name="applicationState">Bytes stored with the pending checkpoint.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="ArgumentException">The position is malformed or out of range.</exception>
    /// <exception cref="LeaseLostException">The lease is no longer held by this worker.</exception>
    public Task PrepareCheckpointAsync(string sequenceNumber, long subSequenceNumber, ReadOnlyMemory<byte>? applicationState = null, CancellationToken cancellationToken = default)
    {
        var target = Parse(sequenceNumber, subSequenceNumber);
        return shard is not null && declareDone is not null
            ? shard.PrepareAsync(LowerOf(target, declareDone(target)), applicationState, cancellationToken, fromLane: true)
            : PrepareAsync(target, applicationState, cancellationToken);
    }

    /// <summary>The checkpointer handed to one lane call: see the remarks of this class.</summary>
    internal RecordProcessorCheckpointer ForLaneCall(Func<ExtendedSequenceNumber?, ExtendedSequenceNumber> declareDone) => new(shard ?? this, declareDone);

    internal void SetLargestPermitted(ExtendedSequenceNumber value) => Volatile.Write(ref largestPermitted, value);

    internal void EnterShardEnd(IReadOnlyList<string> childShardIds) => Volatile.Write(ref shardEndChildren, childShardIds);

    private static ExtendedSequenceNumber LowerOf(ExtendedSequenceNumber left, ExtendedSequenceNumber right) => left <= right ? left : right;

    private Task WriteAtAsync(ExtendedSequenceNumber target, CancellationToken cancellationToken) =>
        shard is not null && declareDone is not null
            ? shard.WriteAsync(LowerOf(target, declareDone(target)), cancellationToken, fromLane: true)
            : WriteAsync(target, cancellationToken);

    private static ExtendedSequenceNumber Parse(string sequenceNumber, long subSequenceNumber)
    {
        ArgumentException.ThrowIfNullOrEmpty(sequenceNumber);
        ArgumentOutOfRangeException.ThrowIfNegative(subSequenceNumber);
        if (!ExtendedSequenceNumber.TryCreate(sequenceNumber, subSequenceNumber, out var value))
        {
            throw new ArgumentException($"'{sequenceNumber}' is not a sequence number (1 to {ExtendedSequenceNumber.MaxSequenceNumberLength} decimal digits).", nameof(sequenceNumber));
        }

        return value;
    }

    private ExtendedSequenceNumber Validate(ExtendedSequenceNumber target)
    {
        var last = LastCheckpoint;
        var permitted = LargestPermittedCheckpoint;
        if (IsAtShardEnd && (target.IsShardEnd || target == permitted))
        {
            // The KCL rewrites a checkpoint at the shard's last record to SHARD_END.
            return ExtendedSequenceNumber.ShardEnd;
        }

        if (target < last)
        {
            throw new ArgumentException(
                $"Checkpoint {target} for shard {ShardId} is before the last checkpoint {last}; checkpoints cannot go backwards.", "sequenceNumber");
        }

        if (target > permitted && target != last)
        {
            throw new ArgumentException(
                $"Checkpoint {target} for shard {ShardId} is beyond the last record delivered to the processor ({permitted}); the allowed range is {last} to {permitted}.", "sequenceNumber");
        }

        return target;
    }

    // fromLane: a lane call's checkpoint. Other lanes' checkpoints may already have passed the target, which the lane cannot
    // know, so a target below the last checkpoint is already covered and writes nothing instead of failing.
    private async Task WriteAsync(ExtendedSequenceNumber target, CancellationToken cancellationToken, bool fromLane = false)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (fromLane && target < LastCheckpoint)
            {
                return;
            }

            var value = Validate(target);
            if (value == LastCheckpoint)
            {
                return;
            }

            var store = writer ?? throw new InvalidOperationException("This checkpointer is not connected to a lease table.");
            var started = Time.GetTimestamp();
            var succeeded = false;
            try
            {
                if (value.IsShardEnd)
                {
                    await store.MarkShardEndAsync(LeaseKey, concurrencyToken, shardEndChildren ?? [], cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await store.CheckpointAsync(LeaseKey, concurrencyToken, value, cancellationToken).ConfigureAwait(false);
                }

                succeeded = true;
            }
            catch (LeaseLostException)
            {
                ConsumerLog.CheckpointLeaseLost(Logger, LeaseKey, value);
                throw;
            }
            finally
            {
                Metrics?.CheckpointCompleted(StreamName, ShardId, succeeded, Time.GetElapsedTime(started));
            }

            Volatile.Write(ref lastCheckpoint, value);
            ConsumerLog.CheckpointWritten(Logger, LeaseKey, value);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task PrepareAsync(ExtendedSequenceNumber target, ReadOnlyMemory<byte>? applicationState, CancellationToken cancellationToken, bool fromLane = false)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // As in WriteAsync: another lane's checkpoint already passed the target.
            if (fromLane && target < LastCheckpoint)
            {
                return;
            }

            var value = Validate(target);
            var store = writer ?? throw new InvalidOperationException("This checkpointer is not connected to a lease table.");
            try
            {
                await store.PrepareCheckpointAsync(LeaseKey, concurrencyToken, value, applicationState, cancellationToken).ConfigureAwait(false);
            }
            catch (LeaseLostException)
            {
                ConsumerLog.CheckpointLeaseLost(Logger, LeaseKey, value);
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
