namespace Kinesis.Client.Leases;

/// <summary>
/// Writes checkpoints for the checkpointer: every write is conditional on this worker still holding the lease
/// (same acquisition, unchanged counter and owner) and counts as a renewal. The range rules (never backwards,
/// never beyond the last delivered record) belong to the checkpointer, using <see cref="ExtendedSequenceNumber"/>
/// ordering.
/// </summary>
/// <remarks>Safe for concurrent use; writes to one lease are serialized with its renewals.</remarks>
internal sealed class LeaseCheckpointWriter : ICheckpointWriter
{
    private readonly LeaseRenewer renewer;
    private readonly ILeaseRefresher refresher;

    public LeaseCheckpointWriter(LeaseRenewer renewer, ILeaseRefresher refresher)
    {
        ArgumentNullException.ThrowIfNull(renewer);
        ArgumentNullException.ThrowIfNull(refresher);
        this.renewer = renewer;
        this.refresher = refresher;
    }

    /// <inheritdoc/>
    public Task CheckpointAsync(string leaseKey, Guid concurrencyToken, ExtendedSequenceNumber checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return renewer.UpdateLeaseAsync(leaseKey, concurrencyToken, (lease, ct) => refresher.TryUpdateCheckpointAsync(lease, checkpoint, ct), cancellationToken);
    }

    /// <inheritdoc/>
    public Task PrepareCheckpointAsync(string leaseKey, Guid concurrencyToken, ExtendedSequenceNumber pendingCheckpoint, ReadOnlyMemory<byte>? applicationState, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pendingCheckpoint);
        return renewer.UpdateLeaseAsync(leaseKey, concurrencyToken, (lease, ct) => refresher.TryPrepareCheckpointAsync(lease, pendingCheckpoint, applicationState, ct), cancellationToken);
    }

    /// <inheritdoc/>
    public Task MarkShardEndAsync(string leaseKey, Guid concurrencyToken, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(childShardIds);
        return renewer.UpdateLeaseAsync(leaseKey, concurrencyToken, (lease, ct) => refresher.TryMarkShardEndAsync(lease, childShardIds, ct), cancellationToken);
    }
}
