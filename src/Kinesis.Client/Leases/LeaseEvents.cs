namespace Kinesis.Client.Leases;

/// <summary>Why this worker stopped holding a lease.</summary>
internal enum LeaseLostReason
{
    /// <summary>A conditional renewal failed: another worker took the lease (or it was changed or deleted).</summary>
    RenewalRejected,

    /// <summary>No renewal succeeded within the failover time (for example DynamoDB was unreachable); the lease is treated as lost even though the table may still name this worker.</summary>
    LocallyExpired,

    /// <summary>A conditional checkpoint or other update failed.</summary>
    UpdateRejected,

    /// <summary>This worker released the lease (graceful shutdown).</summary>
    Released,

    /// <summary>The lease was acquired again, which ends the previous acquisition.</summary>
    Reacquired,

    /// <summary>The lease was dropped without a write (for example after shard end or when the coordinator stopped).</summary>
    Dropped,
}

/// <summary>A lease this worker holds. The <see cref="ConcurrencyToken"/> identifies one acquisition: a consumer started for an earlier acquisition cannot write with it.</summary>
internal sealed class HeldLease
{
    private Lease lease;
    private long lastRenewalTimestamp;

    public HeldLease(Lease lease, long acquiredTimestamp)
    {
        this.lease = lease;
        lastRenewalTimestamp = acquiredTimestamp;
    }

    public string LeaseKey => lease.LeaseKey;

    public Guid ConcurrencyToken { get; } = Guid.NewGuid();

    /// <summary>The lease as this worker last wrote or read it.</summary>
    public Lease Lease
    {
        get => Volatile.Read(ref lease);
        set => Volatile.Write(ref lease, value);
    }

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> taken just before the last successful renewal (or the take) was sent.</summary>
    public long LastRenewalTimestamp
    {
        get => Volatile.Read(ref lastRenewalTimestamp);
        set => Volatile.Write(ref lastRenewalTimestamp, value);
    }

    /// <summary>Serializes the writes to this lease, which all depend on its counter.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);
}

/// <summary>Data of <see cref="LeaseCoordinator.LeaseAcquired"/>.</summary>
internal sealed class LeaseAcquiredEventArgs(HeldLease heldLease) : EventArgs
{
    public HeldLease HeldLease { get; } = heldLease;
}

/// <summary>Data of <see cref="LeaseCoordinator.LeaseLost"/>.</summary>
internal sealed class LeaseLostEventArgs(HeldLease heldLease, LeaseLostReason reason) : EventArgs
{
    public HeldLease HeldLease { get; } = heldLease;

    public LeaseLostReason Reason { get; } = reason;
}
