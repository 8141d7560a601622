namespace Kinesis.Client.Leases;

/// <summary>
/// The lease store (the Java KCL's <c>LeaseRefresher</c>): the lease table's creation, reads and conditional writes.
/// <see cref="DynamoDbLeaseRefresher"/> is the real store; <see cref="InMemoryLeaseRefresher"/> has the same
/// conditional semantics in memory, so the taker, renewer, shard syncer and cleanup run fast and deterministically
/// in tests and scale simulations.
/// </summary>
/// <remarks>
/// Every write that changes a lease is conditional on the lease counter the caller last saw (and, for the owner's own
/// writes, on the owner) and increments it; a failed condition is a <see langword="null"/> result of the <c>Try</c>
/// methods, never an exception. The returned lease is the caller's lease with the write applied. Implementations are
/// safe for concurrent use.
/// </remarks>
internal interface ILeaseRefresher
{
    /// <summary>Creates the table when it does not exist, then waits until it is ready.</summary>
    /// <returns><see langword="true"/> when this call created the table.</returns>
    Task<bool> CreateTableIfNotExistsAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the table exists (in any status).</summary>
    Task<bool> TableExistsAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until the table is ready.</summary>
    Task WaitUntilActiveAsync(CancellationToken cancellationToken = default);

    /// <summary>All leases, in no particular order.</summary>
    Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken = default);

    /// <summary>One lease, or <see langword="null"/> when it does not exist.</summary>
    Task<Lease?> GetLeaseAsync(string leaseKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Several leases in as few calls as the store allows (DynamoDB: one BatchGetItem per 100 keys, strongly consistent).
    /// Every key that was read is in the result, with <see langword="null"/> for a lease that does not exist; a key the
    /// store still left unread after its retries is missing from the result (not read, not deleted).
    /// </summary>
    Task<IReadOnlyDictionary<string, Lease?>> GetLeasesAsync(IReadOnlyList<string> leaseKeys, CancellationToken cancellationToken = default);

    /// <summary>Writes a new lease unless one with its key exists.</summary>
    /// <returns><see langword="true"/> when this call created it; <see langword="false"/> when it already existed (left unchanged).</returns>
    Task<bool> CreateLeaseIfNotExistsAsync(Lease lease, CancellationToken cancellationToken = default);

    /// <summary>Heartbeat: increments the counter if it and the owner are unchanged.</summary>
    /// <returns>The renewed lease, or <see langword="null"/> when the lease was changed by someone else (lost).</returns>
    Task<Lease?> TryRenewLeaseAsync(Lease lease, CancellationToken cancellationToken = default);

    /// <summary>Takes (or steals) a lease for <paramref name="newOwner"/> if its counter is unchanged.</summary>
    /// <returns>The taken lease, or <see langword="null"/> when someone else changed (or deleted) it first.</returns>
    Task<Lease?> TryTakeLeaseAsync(Lease lease, string newOwner, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease held by its current owner: removes the owner so any worker can take it at once.</summary>
    /// <returns>The released lease, or <see langword="null"/> when it had already changed (lost).</returns>
    Task<Lease?> TryEvictLeaseAsync(Lease lease, CancellationToken cancellationToken = default);

    /// <summary>Commits a checkpoint: sets it, resets the owner-switch count and clears any pending checkpoint.</summary>
    /// <returns>The updated lease, or <see langword="null"/> when the lease had changed (lost).</returns>
    Task<Lease?> TryUpdateCheckpointAsync(Lease lease, ExtendedSequenceNumber checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Commits <see cref="ExtendedSequenceNumber.ShardEnd"/> and records the child shards in one conditional write.</summary>
    /// <returns>The updated lease, or <see langword="null"/> when the lease had changed (lost).</returns>
    Task<Lease?> TryMarkShardEndAsync(Lease lease, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken = default);

    /// <summary>Records a prepared (two-phase) checkpoint without moving the committed one.</summary>
    /// <returns>The updated lease, or <see langword="null"/> when the lease had changed (lost).</returns>
    Task<Lease?> TryPrepareCheckpointAsync(Lease lease, ExtendedSequenceNumber pendingCheckpoint, ReadOnlyMemory<byte>? applicationState, CancellationToken cancellationToken = default);

    /// <summary>Deletes a lease unconditionally, as the KCL does when cleaning up finished shards.</summary>
    Task DeleteLeaseAsync(string leaseKey, CancellationToken cancellationToken = default);
}
