using Kinesis.Core.Hashing;

namespace Kinesis.Core.Api;

/// <summary>The sequence numbers a shard holds; <see cref="EndingSequenceNumber"/> is null while the shard is open.</summary>
public sealed class SequenceNumberRange
{
    /// <summary>The first sequence number.</summary>
    public required string StartingSequenceNumber { get; init; }

    /// <summary>The last sequence number, once the shard is closed.</summary>
    public string? EndingSequenceNumber { get; init; }
}

/// <summary>A shard of a stream.</summary>
public sealed class Shard
{
    /// <summary>The shard id.</summary>
    public required string ShardId { get; init; }

    /// <summary>The shard it was split from or merged from.</summary>
    public string? ParentShardId { get; init; }

    /// <summary>The second parent of a merge.</summary>
    public string? AdjacentParentShardId { get; init; }

    /// <summary>The hash keys routed to this shard (the service's decimal <c>StartingHashKey</c> and <c>EndingHashKey</c>; <see cref="HashKeys.Format"/> writes them back).</summary>
    public required HashKeyRange HashKeyRange { get; init; }

    /// <summary>The sequence numbers this shard holds.</summary>
    public required SequenceNumberRange SequenceNumberRange { get; init; }
}

/// <summary>A child of a shard that reached its end (from GetRecords or SubscribeToShard).</summary>
public sealed class ChildShard
{
    /// <summary>The child's shard id.</summary>
    public required string ShardId { get; init; }

    /// <summary>The child's parents (two after a merge).</summary>
    public required IReadOnlyList<string> ParentShards { get; init; }

    /// <summary>The child's hash keys.</summary>
    public required HashKeyRange HashKeyRange { get; init; }
}

/// <summary>Restricts which shards <see cref="KinesisApiClient.ListShardsAsync"/> returns.</summary>
public sealed class ShardFilter
{
    /// <summary>The filter type.</summary>
    public required ShardFilterType Type { get; init; }

    /// <summary>For <see cref="ShardFilterType.AfterShardId"/>.</summary>
    public string? ShardId { get; init; }

    /// <summary>For <see cref="ShardFilterType.AtTimestamp"/> and <see cref="ShardFilterType.FromTimestamp"/>.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>
/// Input of <see cref="KinesisApiClient.ListShardsAsync"/>: either a stream (by <see cref="StreamName"/> or
/// <see cref="StreamARN"/>, with optional filters) or a <see cref="NextToken"/> from a previous page alone.
/// </summary>
public sealed class ListShardsRequest
{
    /// <summary>Largest <see cref="MaxResults"/>.</summary>
    public const int MaxMaxResults = 10_000;

    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }

    /// <summary>The token of the next page; must be sent without a stream name or filter (the service refuses both).</summary>
    public string? NextToken { get; init; }

    /// <summary>Shards per page, 1 to <see cref="MaxMaxResults"/>; null for the service default.</summary>
    public int? MaxResults { get; init; }

    /// <summary>List shards after this shard id.</summary>
    public string? ExclusiveStartShardId { get; init; }

    /// <summary>Which shards to list.</summary>
    public ShardFilter? ShardFilter { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.ListShardsAsync"/>.</summary>
public sealed class ListShardsResponse
{
    /// <summary>The shards of this page.</summary>
    public required IReadOnlyList<Shard> Shards { get; init; }

    /// <summary>The token of the next page; null on the last page.</summary>
    public string? NextToken { get; init; }
}
