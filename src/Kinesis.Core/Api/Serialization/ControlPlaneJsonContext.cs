using System.Text.Json.Serialization;

namespace Kinesis.Core.Api.Serialization;

/// <summary>
/// Source-generated System.Text.Json metadata for the control-plane bodies (stream, shard and consumer management,
/// GetShardIterator, the SubscribeToShard request). The data plane (PutRecord(s), GetRecords, SubscribeToShard events)
/// stays hand-written: <see cref="KinesisRequestWriter"/> and <see cref="KinesisResponseParser"/>.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(EpochSecondsConverter), typeof(ShardIteratorTypeConverter), typeof(ShardFilterTypeConverter)])]
[JsonSerializable(typeof(CreateStreamWire))]
[JsonSerializable(typeof(DeleteStreamWire))]
[JsonSerializable(typeof(UpdateShardCountWire))]
[JsonSerializable(typeof(UpdateMaxRecordSizeRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryRequest))]
[JsonSerializable(typeof(ListStreamsRequest))]
[JsonSerializable(typeof(ListShardsRequest))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(SplitShardRequest))]
[JsonSerializable(typeof(MergeShardsRequest))]
[JsonSerializable(typeof(RegisterStreamConsumerRequest))]
[JsonSerializable(typeof(StreamConsumerRequest))]
[JsonSerializable(typeof(ListStreamConsumersRequest))]
[JsonSerializable(typeof(SubscribeToShardRequest))]
[JsonSerializable(typeof(GetShardIteratorResponseWire))]
[JsonSerializable(typeof(ListShardsResponseWire))]
[JsonSerializable(typeof(ListStreamsResponseWire))]
[JsonSerializable(typeof(DescribeStreamSummaryResponseWire))]
[JsonSerializable(typeof(UpdateShardCountResponse))]
[JsonSerializable(typeof(RegisterStreamConsumerResponseWire))]
[JsonSerializable(typeof(DescribeStreamConsumerResponseWire))]
[JsonSerializable(typeof(ListStreamConsumersResponseWire))]
internal sealed partial class ControlPlaneJsonContext : JsonSerializerContext
{
}
