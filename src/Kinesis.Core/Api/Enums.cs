namespace Kinesis.Core.Api;

/// <summary>Where a shard iterator starts.</summary>
public enum ShardIteratorType
{
    /// <summary><c>TRIM_HORIZON</c>: the oldest record still in the shard.</summary>
    TrimHorizon,

    /// <summary><c>LATEST</c>: just after the newest record, so only new records are read.</summary>
    Latest,

    /// <summary><c>AT_SEQUENCE_NUMBER</c>: at the record with the given sequence number.</summary>
    AtSequenceNumber,

    /// <summary><c>AFTER_SEQUENCE_NUMBER</c>: just after the record with the given sequence number.</summary>
    AfterSequenceNumber,

    /// <summary><c>AT_TIMESTAMP</c>: at the first record that arrived at or after the given time.</summary>
    AtTimestamp,
}

/// <summary>Capacity mode of a stream.</summary>
public enum StreamMode
{
    /// <summary><c>PROVISIONED</c>: a fixed number of shards.</summary>
    Provisioned,

    /// <summary><c>ON_DEMAND</c>: the service manages the shards.</summary>
    OnDemand,
}

/// <summary>Lifecycle state of a stream.</summary>
public enum StreamStatus
{
    /// <summary>A status this client does not know.</summary>
    Unknown,

    /// <summary><c>CREATING</c>.</summary>
    Creating,

    /// <summary><c>DELETING</c>.</summary>
    Deleting,

    /// <summary><c>ACTIVE</c>: reads and writes are allowed.</summary>
    Active,

    /// <summary><c>UPDATING</c>: resharding; reads and writes are still allowed.</summary>
    Updating,
}

/// <summary>Lifecycle state of an enhanced fan-out consumer.</summary>
public enum ConsumerStatus
{
    /// <summary>A status this client does not know.</summary>
    Unknown,

    /// <summary><c>CREATING</c>.</summary>
    Creating,

    /// <summary><c>DELETING</c>.</summary>
    Deleting,

    /// <summary><c>ACTIVE</c>: SubscribeToShard is allowed.</summary>
    Active,
}

/// <summary>Which shards <see cref="KinesisApiClient.ListShardsAsync"/> returns.</summary>
public enum ShardFilterType
{
    /// <summary><c>AFTER_SHARD_ID</c>: shards after <see cref="ShardFilter.ShardId"/>.</summary>
    AfterShardId,

    /// <summary><c>AT_TRIM_HORIZON</c>: shards open at the trim horizon.</summary>
    AtTrimHorizon,

    /// <summary><c>FROM_TRIM_HORIZON</c>: every shard from the trim horizon on.</summary>
    FromTrimHorizon,

    /// <summary><c>AT_LATEST</c>: the currently open shards.</summary>
    AtLatest,

    /// <summary><c>AT_TIMESTAMP</c>: shards open at <see cref="ShardFilter.Timestamp"/>.</summary>
    AtTimestamp,

    /// <summary><c>FROM_TIMESTAMP</c>: shards open at or after <see cref="ShardFilter.Timestamp"/>.</summary>
    FromTimestamp,
}
