namespace Kinesis.Client.Coordination;

/// <summary>Why shard sync deletes a lease.</summary>
internal enum LeaseDeletionReason
{
    /// <summary>The shard reached SHARD_END, every child has a lease that moved past its start, and no parent lease is left.</summary>
    Completed,

    /// <summary>The shard is no longer listed (trimmed by retention) and no unleased listed shard needs it as a parent.</summary>
    ShardGone,
}
