namespace Kinesis.Core.Hashing;

/// <summary>What is wrong with the way the open shards of a <see cref="ShardMap"/> cover the hash key space.</summary>
public enum ShardMapCoverageIssueKind
{
    /// <summary>No open shard owns these hash keys; records hashing here cannot be routed (for example a ListShards page is missing).</summary>
    Gap,

    /// <summary>More than one open shard claims these hash keys (for example a resharding observed half-way).</summary>
    Overlap,
}
