namespace Kinesis.Core.Api.Serialization;

// The control-plane bodies exactly as the Kinesis JSON protocol spells them, for the System.Text.Json source generator
// (ControlPlaneJsonContext). Where the public request or response type already has the wire shape it is serialized
// directly; these cover the rest: nested mode details, status strings the public types turn into enums, members a request
// sends only when set, and responses whose required members are checked (ControlPlaneJson) rather than trusted.

/// <summary><c>StreamModeDetails</c>.</summary>
internal sealed class StreamModeDetailsWire
{
    public string? StreamMode { get; set; }
}

/// <summary>The <c>CreateStream</c> body.</summary>
internal sealed class CreateStreamWire
{
    public required string StreamName { get; set; }

    public int? ShardCount { get; set; }

    public StreamModeDetailsWire? StreamModeDetails { get; set; }

    public int? MaxRecordSizeInKiB { get; set; }
}

/// <summary>The <c>DeleteStream</c> body.</summary>
internal sealed class DeleteStreamWire
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public bool? EnforceConsumerDeletion { get; set; }
}

/// <summary>The <c>UpdateShardCount</c> body.</summary>
internal sealed class UpdateShardCountWire
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public int TargetShardCount { get; set; }

    public string ScalingType { get; set; } = "UNIFORM_SCALING";
}

/// <summary>The <c>GetShardIterator</c> response.</summary>
internal sealed class GetShardIteratorResponseWire
{
    public string? ShardIterator { get; set; }
}

/// <summary>The <c>ListShards</c> response.</summary>
internal sealed class ListShardsResponseWire
{
    public List<ShardWire?>? Shards { get; set; }

    public string? NextToken { get; set; }
}

/// <summary>A shard of a <c>ListShards</c> response.</summary>
internal sealed class ShardWire
{
    public string? ShardId { get; set; }

    public string? ParentShardId { get; set; }

    public string? AdjacentParentShardId { get; set; }

    public HashKeyRangeWire? HashKeyRange { get; set; }

    public SequenceNumberRangeWire? SequenceNumberRange { get; set; }
}

/// <summary><c>HashKeyRange</c>.</summary>
internal sealed class HashKeyRangeWire
{
    public string? StartingHashKey { get; set; }

    public string? EndingHashKey { get; set; }
}

/// <summary><c>SequenceNumberRange</c>.</summary>
internal sealed class SequenceNumberRangeWire
{
    public string? StartingSequenceNumber { get; set; }

    public string? EndingSequenceNumber { get; set; }
}

/// <summary>The <c>ListStreams</c> response.</summary>
internal sealed class ListStreamsResponseWire
{
    public List<string?>? StreamNames { get; set; }

    public bool HasMoreStreams { get; set; }

    public string? NextToken { get; set; }

    public List<StreamSummaryWire?>? StreamSummaries { get; set; }
}

/// <summary>A stream of a <c>ListStreams</c> response.</summary>
internal sealed class StreamSummaryWire
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public string? StreamStatus { get; set; }

    public StreamModeDetailsWire? StreamModeDetails { get; set; }

    public DateTimeOffset? StreamCreationTimestamp { get; set; }
}

/// <summary>The <c>DescribeStreamSummary</c> response.</summary>
internal sealed class DescribeStreamSummaryResponseWire
{
    public StreamDescriptionSummaryWire? StreamDescriptionSummary { get; set; }
}

/// <summary><c>StreamDescriptionSummary</c>.</summary>
internal sealed class StreamDescriptionSummaryWire
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public string? StreamStatus { get; set; }

    public StreamModeDetailsWire? StreamModeDetails { get; set; }

    public int RetentionPeriodHours { get; set; }

    public int OpenShardCount { get; set; }

    public int? ConsumerCount { get; set; }

    public DateTimeOffset? StreamCreationTimestamp { get; set; }

    public string? EncryptionType { get; set; }

    public int? MaxRecordSizeInKiB { get; set; }
}

/// <summary><c>Consumer</c> and <c>ConsumerDescription</c> (which adds <c>StreamARN</c>).</summary>
internal sealed class ConsumerWire
{
    public string? ConsumerName { get; set; }

    public string? ConsumerARN { get; set; }

    public string? ConsumerStatus { get; set; }

    public DateTimeOffset? ConsumerCreationTimestamp { get; set; }

    public string? StreamARN { get; set; }
}

/// <summary>The <c>RegisterStreamConsumer</c> response.</summary>
internal sealed class RegisterStreamConsumerResponseWire
{
    public ConsumerWire? Consumer { get; set; }
}

/// <summary>The <c>DescribeStreamConsumer</c> response.</summary>
internal sealed class DescribeStreamConsumerResponseWire
{
    public ConsumerWire? ConsumerDescription { get; set; }
}

/// <summary>The <c>ListStreamConsumers</c> response.</summary>
internal sealed class ListStreamConsumersResponseWire
{
    public List<ConsumerWire?>? Consumers { get; set; }

    public string? NextToken { get; set; }
}
