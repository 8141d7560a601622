namespace Kinesis.Client.Leases;

/// <summary>The attribute names of the KCL 2.x lease table; a table written by the Java KCL uses exactly these.</summary>
internal static class LeaseAttributes
{
    public const string LeaseKey = "leaseKey";
    public const string LeaseOwner = "leaseOwner";
    public const string LeaseCounter = "leaseCounter";
    public const string OwnerSwitchesSinceCheckpoint = "ownerSwitchesSinceCheckpoint";
    public const string Checkpoint = "checkpoint";
    public const string CheckpointSubSequenceNumber = "checkpointSubSequenceNumber";
    public const string PendingCheckpoint = "pendingCheckpoint";
    public const string PendingCheckpointSubSequenceNumber = "pendingCheckpointSubSequenceNumber";
    public const string PendingCheckpointState = "pendingCheckpointState";
    public const string ParentShardId = "parentShardId";
    public const string ChildShardIds = "childShardIds";
    public const string StartingHashKey = "startingHashKey";
    public const string EndingHashKey = "endingHashKey";

    /// <summary>Multi-stream leases: the serialized stream identity (ACCOUNT:STREAM:EPOCH), named so by the Java KCL for legacy reasons.</summary>
    public const string StreamName = "streamName";

    /// <summary>Multi-stream leases: the shard id (the lease key is the stream identity plus it).</summary>
    public const string ShardId = "shardId";

    /// <summary>KCL 3 graceful-handoff attribute; a take removes it, as the KCL does, so a 3.x handoff in progress does not linger.</summary>
    public const string CheckpointOwner = "checkpointOwner";
}
