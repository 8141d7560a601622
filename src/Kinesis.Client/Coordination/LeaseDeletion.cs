namespace Kinesis.Client.Coordination;

/// <summary>A lease that shard sync decided to delete, and why; <c>LeaseKey</c> is the lease's shard id (its key in single-stream mode).</summary>
internal readonly record struct LeaseDeletion(string LeaseKey, LeaseDeletionReason Reason);
