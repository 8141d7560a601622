namespace Kinesis.Client.Coordination;

/// <summary>Why shard sync deletes a lease.</summary>
internal enum LeaseDeletionReason
{
    /// <summary>The shard reached SHARD_END, every child has a lease that moved past its start, and no parent lease is left.</summary>
    Completed,

    /// <summary>The shard is no longer listed (trimmed by retention) and no unleased listed shard needs it as a parent.</summary>
    ShardGone,
}

/// <summary>A lease that shard sync decided to delete, and why.</summary>
internal readonly record struct LeaseDeletion(string LeaseKey, LeaseDeletionReason Reason);
