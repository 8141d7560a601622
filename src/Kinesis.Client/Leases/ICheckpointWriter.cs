namespace Kinesis.Client.Leases;

/// <summary>
/// Where a <see cref="RecordProcessorCheckpointer"/> writes: the lease table (<see cref="LeaseCheckpointWriter"/>) or, in an
/// application's unit tests, a recording (<see cref="Testing.RecordingCheckpointer"/>). The range rules stay in the checkpointer.
/// </summary>
internal interface ICheckpointWriter
{
    /// <summary>Commits <paramref name="checkpoint"/>, clearing any prepared checkpoint.</summary>
    /// <exception cref="LeaseLostException">The lease is no longer held by this acquisition.</exception>
    Task CheckpointAsync(string leaseKey, Guid concurrencyToken, ExtendedSequenceNumber checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Records a prepared checkpoint (and optional application state) without moving the committed one.</summary>
    /// <exception cref="LeaseLostException">The lease is no longer held by this acquisition.</exception>
    Task PrepareCheckpointAsync(string leaseKey, Guid concurrencyToken, ExtendedSequenceNumber pendingCheckpoint, ReadOnlyMemory<byte>? applicationState, CancellationToken cancellationToken = default);

    /// <summary>Commits <see cref="ExtendedSequenceNumber.ShardEnd"/> and records the child shards.</summary>
    /// <exception cref="LeaseLostException">The lease is no longer held by this acquisition.</exception>
    Task MarkShardEndAsync(string leaseKey, Guid concurrencyToken, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken = default);
}
