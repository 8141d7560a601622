namespace Kinesis.Core.Api;

/// <summary>Input of <see cref="KinesisApiClient.PutRecordAsync"/>. Name the stream by <see cref="StreamName"/> or <see cref="StreamARN"/>.</summary>
public sealed class PutRecordRequest
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }

    /// <summary>The partition key, 1 to <see cref="KinesisLimits.MaxPartitionKeyLength"/> characters.</summary>
    public required string PartitionKey { get; init; }

    /// <summary>The record data; with the partition key's UTF-8 bytes at most <see cref="KinesisLimits.MaxRecordSize"/> bytes. Not copied: keep it unchanged until the call completes.</summary>
    public required ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>A decimal hash key in [0, 2^128) that overrides the partition key's hash.</summary>
    public string? ExplicitHashKey { get; init; }

    /// <summary>Orders this record strictly after the record with this sequence number, for the same partition key.</summary>
    public string? SequenceNumberForOrdering { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.PutRecordAsync"/>.</summary>
public sealed class PutRecordResponse
{
    /// <summary>The shard the record went to.</summary>
    public required string ShardId { get; init; }

    /// <summary>The record's sequence number.</summary>
    public required string SequenceNumber { get; init; }

    /// <summary><c>NONE</c> or <c>KMS</c>, when reported.</summary>
    public string? EncryptionType { get; init; }
}

/// <summary>One record of a <see cref="PutRecordsRequest"/>.</summary>
public sealed class PutRecordsRequestEntry
{
    /// <summary>The partition key, 1 to <see cref="KinesisLimits.MaxPartitionKeyLength"/> characters.</summary>
    public required string PartitionKey { get; init; }

    /// <summary>The record data; with the partition key's UTF-8 bytes at most <see cref="KinesisLimits.MaxRecordSize"/> bytes. Not copied: keep it unchanged until the call completes.</summary>
    public required ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>A decimal hash key in [0, 2^128) that overrides the partition key's hash.</summary>
    public string? ExplicitHashKey { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.PutRecordsAsync"/>. Name the stream by <see cref="StreamName"/> or <see cref="StreamARN"/>.</summary>
public sealed class PutRecordsRequest
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }

    /// <summary>1 to <see cref="KinesisLimits.MaxRecordsPerPutRecords"/> records, at most <see cref="KinesisLimits.MaxPutRecordsSize"/> bytes in all.</summary>
    public required IReadOnlyList<PutRecordsRequestEntry> Records { get; init; }
}

/// <summary>The outcome of one record of a PutRecords call: a sequence number and shard, or an error.</summary>
public sealed class PutRecordsResultEntry
{
    /// <summary>The sequence number, when the record was written.</summary>
    public string? SequenceNumber { get; init; }

    /// <summary>The shard, when the record was written.</summary>
    public string? ShardId { get; init; }

    /// <summary>The error code (e.g. <c>ProvisionedThroughputExceededException</c>, <c>InternalFailure</c>) when the record failed.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The error message when the record failed.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>True when the record failed.</summary>
    public bool IsFailed => ErrorCode is not null;
}

/// <summary>Output of <see cref="KinesisApiClient.PutRecordsAsync"/>.</summary>
public sealed class PutRecordsResponse
{
    /// <summary>How many records failed.</summary>
    public int FailedRecordCount { get; init; }

    /// <summary>One entry per request record, in request order.</summary>
    public required IReadOnlyList<PutRecordsResultEntry> Records { get; init; }

    /// <summary><c>NONE</c> or <c>KMS</c>, when reported.</summary>
    public string? EncryptionType { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.GetShardIteratorAsync"/>. Name the stream by <see cref="StreamName"/> or <see cref="StreamARN"/>.</summary>
public sealed class GetShardIteratorRequest
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }

    /// <summary>The shard.</summary>
    public required string ShardId { get; init; }

    /// <summary>Where to start.</summary>
    public required ShardIteratorType ShardIteratorType { get; init; }

    /// <summary>For <see cref="ShardIteratorType.AtSequenceNumber"/> and <see cref="ShardIteratorType.AfterSequenceNumber"/>.</summary>
    public string? StartingSequenceNumber { get; init; }

    /// <summary>For <see cref="ShardIteratorType.AtTimestamp"/>.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.GetShardIteratorAsync"/>.</summary>
public sealed class GetShardIteratorResponse
{
    /// <summary>The iterator; valid for five minutes.</summary>
    public required string ShardIterator { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.GetRecordsAsync"/>.</summary>
public sealed class GetRecordsRequest
{
    /// <summary>Largest <see cref="Limit"/>.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>The iterator from GetShardIterator or the previous GetRecords.</summary>
    public required string ShardIterator { get; init; }

    /// <summary>Most records to return, 1 to <see cref="MaxLimit"/>; null for the service default.</summary>
    public int? Limit { get; init; }

    /// <summary>The stream ARN (optional).</summary>
    public string? StreamARN { get; init; }
}

/// <summary>A record read from a shard.</summary>
public sealed class Record
{
    /// <summary>The sequence number, unique within the shard.</summary>
    public required string SequenceNumber { get; init; }

    /// <summary>When the service received the record.</summary>
    public DateTimeOffset? ApproximateArrivalTimestamp { get; init; }

    /// <summary>The data (decoded from base64 into an array this record owns).</summary>
    public required ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The partition key.</summary>
    public required string PartitionKey { get; init; }

    /// <summary><c>NONE</c> or <c>KMS</c>, when reported.</summary>
    public string? EncryptionType { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.GetRecordsAsync"/>.</summary>
public sealed class GetRecordsResponse
{
    /// <summary>The records, possibly none even when more follow.</summary>
    public required IReadOnlyList<Record> Records { get; init; }

    /// <summary>The iterator for the next call; null once a closed shard has been read to its end.</summary>
    public string? NextShardIterator { get; init; }

    /// <summary>How far behind the tip of the shard this response is.</summary>
    public long? MillisBehindLatest { get; init; }

    /// <summary>At the end of a closed shard: its children; otherwise empty.</summary>
    public required IReadOnlyList<ChildShard> ChildShards { get; init; }
}
