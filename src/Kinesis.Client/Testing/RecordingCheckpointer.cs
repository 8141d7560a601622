using Kinesis.Client.Leases;

namespace Kinesis.Client.Testing;

/// <summary>
/// A <see cref="RecordProcessorCheckpointer"/> that records its writes in memory instead of the lease table, for unit tests
/// of an <see cref="IShardRecordProcessor"/> without AWS. Usually obtained from <see cref="TestShard.Checkpointer"/>, which
/// also advances what may be checkpointed as batches are delivered.
/// </summary>
/// <remarks>
/// <see cref="Checkpointer"/> is the real checkpointer with the real rules: a checkpoint before the last one or beyond the
/// last delivered record throws <see cref="ArgumentException"/>, re-checkpointing the same position writes nothing, and in
/// <see cref="IShardRecordProcessor.ShardEndedAsync"/> a checkpoint writes <see cref="ExtendedSequenceNumber.ShardEnd"/>.
/// Only the storage is replaced. Safe for concurrent use.
/// </remarks>
public sealed class RecordingCheckpointer
{
    private readonly object gate = new();
    private readonly List<ExtendedSequenceNumber> checkpoints = [];
    private readonly List<PreparedCheckpoint> prepared = [];
    private readonly Queue<Exception> nextFailures = new();
    private Exception? failure;

    /// <summary>Creates a recording checkpointer for <paramref name="shardId"/> that starts at <paramref name="checkpoint"/>.</summary>
    /// <param name="shardId">The shard; default <see cref="TestShard.DefaultShardId"/>.</param>
    /// <param name="checkpoint">The lease's checkpoint when the processor starts; default <see cref="ExtendedSequenceNumber.TrimHorizon"/>.</param>
    public RecordingCheckpointer(string shardId = TestShard.DefaultShardId, ExtendedSequenceNumber? checkpoint = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        Checkpointer = new RecordProcessorCheckpointer(shardId, new Writer(this), Guid.NewGuid(), checkpoint ?? ExtendedSequenceNumber.TrimHorizon);
    }

    /// <summary>The checkpointer to pass to the processor (<see cref="TestShard"/> puts it in every input it builds).</summary>
    public RecordProcessorCheckpointer Checkpointer { get; }

    /// <summary>The committed checkpoints written so far, oldest first (<see cref="ExtendedSequenceNumber.ShardEnd"/> included); a failed write is not recorded.</summary>
    public IReadOnlyList<ExtendedSequenceNumber> Checkpoints
    {
        get
        {
            lock (gate)
            {
                return [.. checkpoints];
            }
        }
    }

    /// <summary>The two-phase checkpoints prepared so far, oldest first.</summary>
    public IReadOnlyList<PreparedCheckpoint> PreparedCheckpoints
    {
        get
        {
            lock (gate)
            {
                return [.. prepared];
            }
        }
    }

    /// <summary>Makes the next write (checkpoint or prepare) throw <paramref name="exception"/>; later writes succeed. Calls queue up.</summary>
    /// <param name="exception">What the write throws, for example an <c>AmazonDynamoDBException</c> after the lease layer gave up retrying.</param>
    public void FailNextWrite(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        lock (gate)
        {
            nextFailures.Enqueue(exception);
        }
    }

    /// <summary>Makes every write throw <paramref name="exception"/> until called again with <see langword="null"/>.</summary>
    /// <param name="exception">What every write throws, or <see langword="null"/> to let writes succeed again.</param>
    public void FailWrites(Exception? exception)
    {
        lock (gate)
        {
            failure = exception;
        }
    }

    /// <summary>Makes every later write throw <see cref="LeaseLostException"/>, as after another worker took the lease.</summary>
    public void LoseLease() =>
        FailWrites(new LeaseLostException(Checkpointer.ShardId, $"The lease on {Checkpointer.ShardId} was lost (RecordingCheckpointer.LoseLease)."));

    /// <summary>Records a write, or returns the failure it was told to raise instead.</summary>
    private Exception? Record(ExtendedSequenceNumber? checkpoint, PreparedCheckpoint? prepare)
    {
        lock (gate)
        {
            if (nextFailures.TryDequeue(out var next))
            {
                return next;
            }

            if (failure is not null)
            {
                return failure;
            }

            if (checkpoint is not null)
            {
                checkpoints.Add(checkpoint);
            }

            if (prepare is not null)
            {
                prepared.Add(prepare);
            }

            return null;
        }
    }

    /// <summary>Completes every write at once (or with the failure it was told to raise), on the caller's thread.</summary>
    private sealed class Writer(RecordingCheckpointer owner) : ICheckpointWriter
    {
        public Task CheckpointAsync(string leaseKey, Guid concurrencyToken, ExtendedSequenceNumber checkpoint, CancellationToken cancellationToken = default) =>
            Write(checkpoint, null, cancellationToken);

        public Task PrepareCheckpointAsync(string leaseKey, Guid concurrencyToken, ExtendedSequenceNumber pendingCheckpoint, ReadOnlyMemory<byte>? applicationState, CancellationToken cancellationToken = default) =>
            Write(null, new PreparedCheckpoint(pendingCheckpoint, applicationState is { } state ? state.ToArray() : null), cancellationToken);

        public Task MarkShardEndAsync(string leaseKey, Guid concurrencyToken, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken = default) =>
            Write(ExtendedSequenceNumber.ShardEnd, null, cancellationToken);

        private Task Write(ExtendedSequenceNumber? checkpoint, PreparedCheckpoint? prepare, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled(cancellationToken);
            }

            return owner.Record(checkpoint, prepare) is { } error ? Task.FromException(error) : Task.CompletedTask;
        }
    }
}
