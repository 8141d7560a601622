namespace Kinesis.Client.Coordination;

/// <summary>A lease that shard sync decided to delete, and why.</summary>
internal readonly record struct LeaseDeletion(string LeaseKey, LeaseDeletionReason Reason);
