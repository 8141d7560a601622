namespace Kinesis.Core.Hashing;

/// <summary>One shard as a <see cref="ShardMap"/> sees it: its id, lineage, hash key range and whether it is open.</summary>
/// <param name="ShardId">The shard id, for example <c>shardId-000000000003</c>.</param>
/// <param name="ParentShardId">The shard this one was split from or merged from, or <see langword="null"/>.</param>
/// <param name="AdjacentParentShardId">The second parent of a merged shard, or <see langword="null"/>.</param>
/// <param name="HashKeyRange">The hash keys the shard owns (or owned, when closed).</param>
/// <param name="IsOpen">Whether the shard still accepts records (ListShards reports no <c>EndingSequenceNumber</c>).</param>
public sealed record ShardMapEntry(
    string ShardId,
    string? ParentShardId,
    string? AdjacentParentShardId,
    HashKeyRange HashKeyRange,
    bool IsOpen)
{
    /// <summary>Creates an entry from a ListShards <c>Shard</c> (the fields of <c>Kinesis.Core.Api.Shard</c>).</summary>
    /// <param name="shardId">The <c>ShardId</c>.</param>
    /// <param name="parentShardId">The <c>ParentShardId</c>, or <see langword="null"/>.</param>
    /// <param name="adjacentParentShardId">The <c>AdjacentParentShardId</c>, or <see langword="null"/>.</param>
    /// <param name="hashKeyRange">The <c>HashKeyRange</c>.</param>
    /// <param name="endingSequenceNumber">The <c>SequenceNumberRange.EndingSequenceNumber</c>; <see langword="null"/> means the shard is open.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ArgumentException"><paramref name="shardId"/> is empty.</exception>
    public static ShardMapEntry FromListShards(
        string shardId,
        string? parentShardId,
        string? adjacentParentShardId,
        HashKeyRange hashKeyRange,
        string? endingSequenceNumber)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        return new ShardMapEntry(
            shardId,
            string.IsNullOrEmpty(parentShardId) ? null : parentShardId,
            string.IsNullOrEmpty(adjacentParentShardId) ? null : adjacentParentShardId,
            hashKeyRange,
            endingSequenceNumber is null);
    }

    /// <summary>Creates an entry from the fields of a ListShards <c>Shard</c>, as the service returns them.</summary>
    /// <param name="shardId">The <c>ShardId</c>.</param>
    /// <param name="parentShardId">The <c>ParentShardId</c>, or <see langword="null"/>.</param>
    /// <param name="adjacentParentShardId">The <c>AdjacentParentShardId</c>, or <see langword="null"/>.</param>
    /// <param name="startingHashKey">The <c>HashKeyRange.StartingHashKey</c> in decimal.</param>
    /// <param name="endingHashKey">The <c>HashKeyRange.EndingHashKey</c> in decimal (inclusive).</param>
    /// <param name="endingSequenceNumber">The <c>SequenceNumberRange.EndingSequenceNumber</c>; <see langword="null"/> means the shard is open.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="ArgumentException"><paramref name="shardId"/> is empty, or a hash key is not a decimal integer in [0, 2^128-1], or the ending key is less than the starting key.</exception>
    public static ShardMapEntry FromListShards(
        string shardId,
        string? parentShardId,
        string? adjacentParentShardId,
        string startingHashKey,
        string endingHashKey,
        string? endingSequenceNumber)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        UInt128 start = HashKeys.ParseExplicitHashKey(startingHashKey);
        UInt128 end = HashKeys.ParseExplicitHashKey(endingHashKey);
        if (end < start)
        {
            throw new ArgumentException(
                $"The ending hash key of shard {shardId} must not be less than its starting hash key {startingHashKey}; got {endingHashKey}.",
                nameof(endingHashKey));
        }

        return new ShardMapEntry(
            shardId,
            string.IsNullOrEmpty(parentShardId) ? null : parentShardId,
            string.IsNullOrEmpty(adjacentParentShardId) ? null : adjacentParentShardId,
            new HashKeyRange(start, end),
            endingSequenceNumber is null);
    }
}
