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
