using Kinesis.Core.Hashing;

namespace Kinesis.Core.Aggregation;

/// <summary>
/// What <see cref="RecordAggregator.Encode(Span{byte})"/> wrote, and the keys to send it to Kinesis with.
/// </summary>
/// <param name="PartitionKey">
/// The partition key of the Kinesis record: the user record's own key when the aggregate holds one
/// record (sent raw), otherwise <see cref="AggregatedRecordFormat.AggregatePartitionKey"/>.
/// </param>
/// <param name="ExplicitHashKey">
/// The explicit hash key of the Kinesis record: the hash key of the first user record (its explicit hash
/// key, or the hash of its partition key), so the Kinesis record lands on the shard predicted for its
/// user records. Format it with <see cref="HashKeys.Format(UInt128)"/> or <see cref="HashKeys.TryFormat"/>.
/// </param>
/// <param name="Length">The number of bytes written.</param>
/// <param name="UserRecordCount">The number of user records in the Kinesis record.</param>
/// <param name="IsAggregated">Whether the bytes are in the aggregated format (two or more user records).</param>
public readonly record struct EncodedRecordInfo(
    string PartitionKey,
    UInt128 ExplicitHashKey,
    int Length,
    int UserRecordCount,
    bool IsAggregated);
