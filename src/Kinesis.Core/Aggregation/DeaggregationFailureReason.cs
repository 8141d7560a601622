namespace Kinesis.Core.Aggregation;

/// <summary>Why a <see cref="Deaggregator"/> did not expand a Kinesis record into user records.</summary>
/// <remarks>
/// Every reason except <see cref="OutsideShardHashKeyRange"/> leads to the Kinesis record being delivered
/// unchanged as one user record; <see cref="OutsideShardHashKeyRange"/> applies only with
/// <see cref="HashKeyRangeFilterMode.DropAndReport"/>.
/// </remarks>
public enum DeaggregationFailureReason
{
    /// <summary>The data does not start with the magic bytes: a plain record, sent without aggregation. This is normal.</summary>
    NotAggregated,

    /// <summary>The data starts with the magic bytes but has no room for a protobuf message and checksum.</summary>
    TooShort,

    /// <summary>The trailing MD5 does not match the protobuf bytes.</summary>
    ChecksumMismatch,

    /// <summary>The protobuf message does not parse (truncated, bad wire type, missing required field).</summary>
    InvalidProtobuf,

    /// <summary>A record's partition key index or explicit hash key index points past its key table.</summary>
    KeyIndexOutOfRange,

    /// <summary>An explicit hash key table entry is not a decimal integer in [0, 2^128-1].</summary>
    InvalidExplicitHashKey,

    /// <summary>The message is valid but holds no user records.</summary>
    NoUserRecords,

    /// <summary>A user record hashes outside the shard's hash key range, and the whole aggregate was dropped.</summary>
    OutsideShardHashKeyRange,
}
