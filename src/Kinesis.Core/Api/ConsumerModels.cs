namespace Kinesis.Core.Api;

/// <summary>An enhanced fan-out consumer, as RegisterStreamConsumer and ListStreamConsumers return it.</summary>
public sealed class Consumer
{
    /// <summary>The consumer name.</summary>
    public required string ConsumerName { get; init; }

    /// <summary>The consumer ARN (what SubscribeToShard takes).</summary>
    public required string ConsumerARN { get; init; }

    /// <summary>The lifecycle state.</summary>
    public ConsumerStatus ConsumerStatus { get; init; }

    /// <summary>When the consumer was registered.</summary>
    public DateTimeOffset? ConsumerCreationTimestamp { get; init; }
}

/// <summary>An enhanced fan-out consumer with its stream, as DescribeStreamConsumer returns it.</summary>
public sealed class ConsumerDescription
{
    /// <summary>The consumer name.</summary>
    public required string ConsumerName { get; init; }

    /// <summary>The consumer ARN.</summary>
    public required string ConsumerARN { get; init; }

    /// <summary>The lifecycle state.</summary>
    public ConsumerStatus ConsumerStatus { get; init; }

    /// <summary>When the consumer was registered.</summary>
    public DateTimeOffset? ConsumerCreationTimestamp { get; init; }

    /// <summary>The stream ARN.</summary>
    public string? StreamARN { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.RegisterStreamConsumerAsync"/>.</summary>
public sealed class RegisterStreamConsumerRequest
{
    /// <summary>The stream ARN.</summary>
    public required string StreamARN { get; init; }

    /// <summary>The consumer name, 1 to 128 characters from [a-zA-Z0-9_.-].</summary>
    public required string ConsumerName { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.RegisterStreamConsumerAsync"/>.</summary>
public sealed class RegisterStreamConsumerResponse
{
    /// <summary>The new consumer (status CREATING).</summary>
    public required Consumer Consumer { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.DescribeStreamConsumerAsync"/> and <see cref="KinesisApiClient.DeregisterStreamConsumerAsync"/>: <see cref="ConsumerARN"/>, or <see cref="StreamARN"/> with <see cref="ConsumerName"/>.</summary>
public sealed class StreamConsumerRequest
{
    /// <summary>The stream ARN (with <see cref="ConsumerName"/>).</summary>
    public string? StreamARN { get; init; }

    /// <summary>The consumer name (with <see cref="StreamARN"/>).</summary>
    public string? ConsumerName { get; init; }

    /// <summary>The consumer ARN.</summary>
    public string? ConsumerARN { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.DescribeStreamConsumerAsync"/>.</summary>
public sealed class DescribeStreamConsumerResponse
{
    /// <summary>The consumer.</summary>
    public required ConsumerDescription ConsumerDescription { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.ListStreamConsumersAsync"/>.</summary>
public sealed class ListStreamConsumersRequest
{
    /// <summary>The stream ARN.</summary>
    public required string StreamARN { get; init; }

    /// <summary>The token of the next page.</summary>
    public string? NextToken { get; init; }

    /// <summary>Consumers per page, 1 to 10,000; null for the service default.</summary>
    public int? MaxResults { get; init; }
}

/// <summary>Output of <see cref="KinesisApiClient.ListStreamConsumersAsync"/>.</summary>
public sealed class ListStreamConsumersResponse
{
    /// <summary>The consumers of this page.</summary>
    public required IReadOnlyList<Consumer> Consumers { get; init; }

    /// <summary>The token of the next page; null on the last page.</summary>
    public string? NextToken { get; init; }
}

/// <summary>Where a SubscribeToShard subscription starts.</summary>
public sealed class StartingPosition
{
    /// <summary>The position type.</summary>
    public required ShardIteratorType Type { get; init; }

    /// <summary>For <see cref="ShardIteratorType.AtSequenceNumber"/> and <see cref="ShardIteratorType.AfterSequenceNumber"/>.</summary>
    public string? SequenceNumber { get; init; }

    /// <summary>For <see cref="ShardIteratorType.AtTimestamp"/>.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>Input of <see cref="KinesisApiClient.SubscribeToShardAsync"/>.</summary>
public sealed class SubscribeToShardRequest
{
    /// <summary>The consumer ARN (must be ACTIVE).</summary>
    public required string ConsumerARN { get; init; }

    /// <summary>The shard.</summary>
    public required string ShardId { get; init; }

    /// <summary>Where to start.</summary>
    public required StartingPosition StartingPosition { get; init; }
}

/// <summary>One event of a SubscribeToShard subscription.</summary>
public sealed class SubscribeToShardEvent
{
    /// <summary>The records, possibly none (the service sends empty events as heartbeats).</summary>
    public required IReadOnlyList<Record> Records { get; init; }

    /// <summary>The sequence number to resubscribe after (<see cref="ShardIteratorType.AfterSequenceNumber"/>); null at the end of a closed shard.</summary>
    public string? ContinuationSequenceNumber { get; init; }

    /// <summary>How far behind the tip of the shard this event is.</summary>
    public long MillisBehindLatest { get; init; }

    /// <summary>At the end of a closed shard: its children; otherwise empty.</summary>
    public required IReadOnlyList<ChildShard> ChildShards { get; init; }
}
