namespace Kinesis.Core.Api;

/// <summary>Input of <see cref="KinesisApiClient.CreateStreamAsync"/>.</summary>
public sealed class CreateStreamRequest
{
    /// <summary>The stream name (1 to 128 characters from [a-zA-Z0-9_.-]).</summary>
    public required string StreamName { get; init; }

    /// <summary>Number of shards; required for <see cref="StreamMode.Provisioned"/>, not allowed for <see cref="StreamMode.OnDemand"/>.</summary>
    public int? ShardCount { get; init; }

    /// <summary>Capacity mode; default <see cref="StreamMode.Provisioned"/>.</summary>
    public StreamMode StreamMode { get; init; } = StreamMode.Provisioned;

    /// <summary>
    /// The stream's maximum record size in KiB, <see cref="KinesisLimits.MinMaxRecordSizeInKiB"/> to
    /// <see cref="KinesisLimits.MaxMaxRecordSizeInKiB"/>; null (not sent) leaves the service's default of 1 MiB.
    /// Change it later with <see cref="KinesisApiClient.UpdateMaxRecordSizeAsync"/>.
    /// </summary>
    public int? MaxRecordSizeInKiB { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.UpdateMaxRecordSizeAsync"/>. The API names the stream by ARN only.</summary>
public sealed class UpdateMaxRecordSizeRequest
{
    /// <summary>The stream ARN, of the client's region.</summary>
    public required string StreamARN { get; init; }

    /// <summary>The new maximum record size in KiB, <see cref="KinesisLimits.MinMaxRecordSizeInKiB"/> (1 MiB) to <see cref="KinesisLimits.MaxMaxRecordSizeInKiB"/> (10 MiB).</summary>
    public required int MaxRecordSizeInKiB { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.DeleteStreamAsync"/>. Name the stream by <see cref="StreamName"/> or <see cref="StreamARN"/>.</summary>
public sealed class DeleteStreamRequest
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }

    /// <summary>Deletes the stream even if it has registered consumers.</summary>
    public bool EnforceConsumerDeletion { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.DescribeStreamSummaryAsync"/>. Name the stream by <see cref="StreamName"/> or <see cref="StreamARN"/>.</summary>
public sealed class DescribeStreamSummaryRequest
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.DescribeStreamSummaryAsync"/>.</summary>
public sealed class DescribeStreamSummaryResponse
{
    /// <summary>The stream.</summary>
    public required StreamDescriptionSummary StreamDescriptionSummary { get; init; }
}

/// <summary>A stream's state without its shards.</summary>
public sealed class StreamDescriptionSummary
{
    /// <summary>The stream name.</summary>
    public required string StreamName { get; init; }

    /// <summary>The stream ARN (kinesalite returns one too).</summary>
    public string? StreamARN { get; init; }

    /// <summary>The lifecycle state.</summary>
    public StreamStatus StreamStatus { get; init; }

    /// <summary>The capacity mode; null when the service does not report it (kinesalite).</summary>
    public StreamMode? StreamMode { get; init; }

    /// <summary>Retention in hours.</summary>
    public int RetentionPeriodHours { get; init; }

    /// <summary>When the stream was created.</summary>
    public DateTimeOffset? StreamCreationTimestamp { get; init; }

    /// <summary>Number of open shards.</summary>
    public int OpenShardCount { get; init; }

    /// <summary>Number of registered enhanced fan-out consumers, when reported.</summary>
    public int? ConsumerCount { get; init; }

    /// <summary><c>NONE</c> or <c>KMS</c>, when reported.</summary>
    public string? EncryptionType { get; init; }

    /// <summary>
    /// The largest record (data plus partition key) the stream accepts, in KiB: 1024 unless raised with
    /// <see cref="KinesisApiClient.UpdateMaxRecordSizeAsync"/>; null when the service does not report it (kinesalite).
    /// </summary>
    public int? MaxRecordSizeInKiB { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.UpdateShardCountAsync"/>. Name the stream by <see cref="StreamName"/> or <see cref="StreamARN"/>.</summary>
public sealed class UpdateShardCountRequest
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }

    /// <summary>The wanted number of open shards.</summary>
    public required int TargetShardCount { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.UpdateShardCountAsync"/>.</summary>
public sealed class UpdateShardCountResponse
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN, when reported.</summary>
    public string? StreamARN { get; init; }

    /// <summary>Open shards before the update.</summary>
    public int CurrentShardCount { get; init; }

    /// <summary>Open shards the update leads to.</summary>
    public int TargetShardCount { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.SplitShardAsync"/>. Name the stream by <see cref="StreamName"/> or <see cref="StreamARN"/>.</summary>
public sealed class SplitShardRequest
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }

    /// <summary>The shard to split.</summary>
    public required string ShardToSplit { get; init; }

    /// <summary>The first hash key of the upper child, a decimal in the shard's range (exclusive of its start).</summary>
    public required string NewStartingHashKey { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.MergeShardsAsync"/>. Name the stream by <see cref="StreamName"/> or <see cref="StreamARN"/>.</summary>
public sealed class MergeShardsRequest
{
    /// <summary>The stream name.</summary>
    public string? StreamName { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }

    /// <summary>One of the two shards.</summary>
    public required string ShardToMerge { get; init; }

    /// <summary>The shard whose hash-key range is adjacent to <see cref="ShardToMerge"/>'s.</summary>
    public required string AdjacentShardToMerge { get; init; }
}

/// <summary>
/// Input of <see cref="KinesisApiClient.ListStreamsAsync"/>. Page with <see cref="ExclusiveStartStreamName"/> (every
/// service and emulator supports it) or with <see cref="NextToken"/> alone.
/// </summary>
public sealed class ListStreamsRequest
{
    /// <summary>Largest <see cref="Limit"/>.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>Streams per page, 1 to <see cref="MaxLimit"/>; null for the service default (100).</summary>
    public int? Limit { get; init; }

    /// <summary>List the streams whose names sort after this one.</summary>
    public string? ExclusiveStartStreamName { get; init; }

    /// <summary>The token of the next page; must be sent without <see cref="ExclusiveStartStreamName"/> (the service refuses both).</summary>
    public string? NextToken { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.ListStreamsAsync"/>.</summary>
public sealed class ListStreamsResponse
{
    /// <summary>The stream names of this page, in the service's order (by name).</summary>
    public required IReadOnlyList<string> StreamNames { get; init; }

    /// <summary>Whether more streams follow this page.</summary>
    public bool HasMoreStreams { get; init; }

    /// <summary>The token of the next page, when reported (kinesalite does not).</summary>
    public string? NextToken { get; init; }

    /// <summary>A summary of each stream of this page, when reported (kinesalite reports only names); empty otherwise.</summary>
    public required IReadOnlyList<StreamSummary> StreamSummaries { get; init; }
}

/// <summary>One stream of a <see cref="ListStreamsResponse"/>.</summary>
public sealed class StreamSummary
{
    /// <summary>The stream name.</summary>
    public required string StreamName { get; init; }

    /// <summary>The stream ARN, when reported.</summary>
    public string? StreamARN { get; init; }

    /// <summary>The lifecycle state.</summary>
    public StreamStatus StreamStatus { get; init; }

    /// <summary>The capacity mode, when reported.</summary>
    public StreamMode? StreamMode { get; init; }

    /// <summary>When the stream was created, when reported.</summary>
    public DateTimeOffset? StreamCreationTimestamp { get; init; }
}
