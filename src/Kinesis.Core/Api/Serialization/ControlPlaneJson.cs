using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Kinesis.Core.Api.Serialization;

/// <summary>
/// Control-plane request bodies and responses through the source-generated <see cref="ControlPlaneJsonContext"/>. Responses
/// are read into wire models and mapped to the public types here, so a missing required member is a
/// <see cref="JsonException"/> naming it, unknown status strings become <c>Unknown</c>, and absent lists are empty.
/// </summary>
internal static class ControlPlaneJson
{
    private static ControlPlaneJsonContext Context => ControlPlaneJsonContext.Default;

    public static void CreateStream(Utf8JsonWriter writer, CreateStreamRequest request) => JsonSerializer.Serialize(
        writer,
        new CreateStreamWire
        {
            StreamName = request.StreamName,
            ShardCount = request.ShardCount,

            // Sent only when on-demand, so emulators without capacity modes (kinesalite) accept provisioned streams.
            StreamModeDetails = request.StreamMode == StreamMode.Provisioned ? null : new StreamModeDetailsWire { StreamMode = KinesisWireNames.ToWire(request.StreamMode) },
            MaxRecordSizeInKiB = request.MaxRecordSizeInKiB,
        },
        Context.CreateStreamWire);

    public static void DeleteStream(Utf8JsonWriter writer, DeleteStreamRequest request) => JsonSerializer.Serialize(
        writer,
        new DeleteStreamWire { StreamName = request.StreamName, StreamARN = request.StreamARN, EnforceConsumerDeletion = request.EnforceConsumerDeletion ? true : null },
        Context.DeleteStreamWire);

    public static void UpdateShardCount(Utf8JsonWriter writer, UpdateShardCountRequest request) => JsonSerializer.Serialize(
        writer,
        new UpdateShardCountWire { StreamName = request.StreamName, StreamARN = request.StreamARN, TargetShardCount = request.TargetShardCount },
        Context.UpdateShardCountWire);

    public static void UpdateMaxRecordSize(Utf8JsonWriter writer, UpdateMaxRecordSizeRequest request) => JsonSerializer.Serialize(writer, request, Context.UpdateMaxRecordSizeRequest);

    public static void DescribeStreamSummary(Utf8JsonWriter writer, DescribeStreamSummaryRequest request) => JsonSerializer.Serialize(writer, request, Context.DescribeStreamSummaryRequest);

    public static void ListStreams(Utf8JsonWriter writer, ListStreamsRequest request) => JsonSerializer.Serialize(writer, request, Context.ListStreamsRequest);

    public static void ListShards(Utf8JsonWriter writer, ListShardsRequest request) => JsonSerializer.Serialize(writer, request, Context.ListShardsRequest);

    public static void GetShardIterator(Utf8JsonWriter writer, GetShardIteratorRequest request) => JsonSerializer.Serialize(writer, request, Context.GetShardIteratorRequest);

    public static void SplitShard(Utf8JsonWriter writer, SplitShardRequest request) => JsonSerializer.Serialize(writer, request, Context.SplitShardRequest);

    public static void MergeShards(Utf8JsonWriter writer, MergeShardsRequest request) => JsonSerializer.Serialize(writer, request, Context.MergeShardsRequest);

    public static void RegisterStreamConsumer(Utf8JsonWriter writer, RegisterStreamConsumerRequest request) => JsonSerializer.Serialize(writer, request, Context.RegisterStreamConsumerRequest);

    public static void StreamConsumer(Utf8JsonWriter writer, StreamConsumerRequest request) => JsonSerializer.Serialize(writer, request, Context.StreamConsumerRequest);

    public static void ListStreamConsumers(Utf8JsonWriter writer, ListStreamConsumersRequest request) => JsonSerializer.Serialize(writer, request, Context.ListStreamConsumersRequest);

    public static void SubscribeToShard(Utf8JsonWriter writer, SubscribeToShardRequest request) => JsonSerializer.Serialize(writer, request, Context.SubscribeToShardRequest);

    public static GetShardIteratorResponse ParseGetShardIterator(ReadOnlySpan<byte> json) =>
        new() { ShardIterator = Required(Read(json, Context.GetShardIteratorResponseWire).ShardIterator, "ShardIterator") };

    public static ListShardsResponse ParseListShards(ReadOnlySpan<byte> json)
    {
        var wire = Read(json, Context.ListShardsResponseWire);
        return new ListShardsResponse { Shards = Map(wire.Shards, ToShard), NextToken = wire.NextToken };
    }

    public static ListStreamsResponse ParseListStreams(ReadOnlySpan<byte> json)
    {
        var wire = Read(json, Context.ListStreamsResponseWire);
        return new ListStreamsResponse
        {
            StreamNames = Map(wire.StreamNames, static name => name),
            HasMoreStreams = wire.HasMoreStreams,
            NextToken = wire.NextToken,
            StreamSummaries = Map(wire.StreamSummaries, ToStreamSummary),
        };
    }

    public static DescribeStreamSummaryResponse ParseDescribeStreamSummary(ReadOnlySpan<byte> json)
    {
        var summary = Required(Read(json, Context.DescribeStreamSummaryResponseWire).StreamDescriptionSummary, "StreamDescriptionSummary");
        return new DescribeStreamSummaryResponse
        {
            StreamDescriptionSummary = new StreamDescriptionSummary
            {
                StreamName = Required(summary.StreamName, "StreamName"),
                StreamARN = summary.StreamARN,
                StreamStatus = KinesisWireNames.ParseStreamStatus(summary.StreamStatus),
                StreamMode = KinesisWireNames.ParseStreamMode(summary.StreamModeDetails?.StreamMode),
                RetentionPeriodHours = summary.RetentionPeriodHours,
                OpenShardCount = summary.OpenShardCount,
                ConsumerCount = summary.ConsumerCount,
                StreamCreationTimestamp = summary.StreamCreationTimestamp,
                EncryptionType = summary.EncryptionType,
                MaxRecordSizeInKiB = summary.MaxRecordSizeInKiB,
            },
        };
    }

    public static UpdateShardCountResponse ParseUpdateShardCount(ReadOnlySpan<byte> json) => Read(json, Context.UpdateShardCountResponse);

    public static RegisterStreamConsumerResponse ParseRegisterStreamConsumer(ReadOnlySpan<byte> json) =>
        new() { Consumer = ToConsumer(Read(json, Context.RegisterStreamConsumerResponseWire).Consumer) };

    public static DescribeStreamConsumerResponse ParseDescribeStreamConsumer(ReadOnlySpan<byte> json)
    {
        var wire = Required(Read(json, Context.DescribeStreamConsumerResponseWire).ConsumerDescription, "ConsumerDescription");
        return new DescribeStreamConsumerResponse
        {
            ConsumerDescription = new ConsumerDescription
            {
                ConsumerName = Required(wire.ConsumerName, "ConsumerName"),
                ConsumerARN = Required(wire.ConsumerARN, "ConsumerARN"),
                ConsumerStatus = KinesisWireNames.ParseConsumerStatus(wire.ConsumerStatus),
                ConsumerCreationTimestamp = wire.ConsumerCreationTimestamp,
                StreamARN = wire.StreamARN,
            },
        };
    }

    public static ListStreamConsumersResponse ParseListStreamConsumers(ReadOnlySpan<byte> json)
    {
        var wire = Read(json, Context.ListStreamConsumersResponseWire);
        return new ListStreamConsumersResponse { Consumers = Map(wire.Consumers, ToConsumer), NextToken = wire.NextToken };
    }

    private static T Read<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (json.IsEmpty)
        {
            throw new JsonException("The response body is empty.");
        }

        return JsonSerializer.Deserialize(json, typeInfo) ?? throw new JsonException("Expected an object, found Null.");
    }

    private static Shard ToShard(ShardWire? shard)
    {
        shard = Required(shard, "Shards[]");
        var range = Required(shard.HashKeyRange, "HashKeyRange");
        var sequences = Required(shard.SequenceNumberRange, "SequenceNumberRange");
        return new Shard
        {
            ShardId = Required(shard.ShardId, "ShardId"),
            ParentShardId = shard.ParentShardId,
            AdjacentParentShardId = shard.AdjacentParentShardId,
            HashKeyRange = KinesisWireNames.ToHashKeyRange(Required(range.StartingHashKey, "StartingHashKey"), Required(range.EndingHashKey, "EndingHashKey")),
            SequenceNumberRange = new SequenceNumberRange { StartingSequenceNumber = Required(sequences.StartingSequenceNumber, "StartingSequenceNumber"), EndingSequenceNumber = sequences.EndingSequenceNumber },
        };
    }

    private static StreamSummary ToStreamSummary(StreamSummaryWire? summary)
    {
        summary = Required(summary, "StreamSummaries[]");
        return new StreamSummary
        {
            StreamName = Required(summary.StreamName, "StreamName"),
            StreamARN = summary.StreamARN,
            StreamStatus = KinesisWireNames.ParseStreamStatus(summary.StreamStatus),
            StreamMode = KinesisWireNames.ParseStreamMode(summary.StreamModeDetails?.StreamMode),
            StreamCreationTimestamp = summary.StreamCreationTimestamp,
        };
    }

    private static Consumer ToConsumer(ConsumerWire? consumer)
    {
        consumer = Required(consumer, "Consumer");
        return new Consumer
        {
            ConsumerName = Required(consumer.ConsumerName, "ConsumerName"),
            ConsumerARN = Required(consumer.ConsumerARN, "ConsumerARN"),
            ConsumerStatus = KinesisWireNames.ParseConsumerStatus(consumer.ConsumerStatus),
            ConsumerCreationTimestamp = consumer.ConsumerCreationTimestamp,
        };
    }

    /// <summary>Maps a list that may be absent (then empty); a null element is a malformed response.</summary>
    private static TResult[] Map<TWire, TResult>(List<TWire?>? items, Func<TWire?, TResult?> map)
        where TResult : class
    {
        if (items is null || items.Count == 0)
        {
            return [];
        }

        var result = new TResult[items.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = map(items[i]) ?? throw new JsonException("A list element is null.");
        }

        return result;
    }

    private static T Required<T>(T? value, string name)
        where T : class => value ?? throw new JsonException($"The response lacks '{name}'.");
}
