using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Kinesis.Core.Api.Serialization;

/// <summary>
/// Hand-written <see cref="Utf8JsonReader"/> parsers for the JSON 1.1 responses: no reflection, unknown members
/// skipped, record data decoded from base64 straight into arrays of the exact size.
/// </summary>
/// <remarks>Throws <see cref="JsonException"/> (or <see cref="FormatException"/>) on malformed input; the transport turns both into a <see cref="KinesisErrorKind.MalformedResponse"/>.</remarks>
internal static class KinesisResponseParser
{
    public static bool Empty(ReadOnlySpan<byte> json) => true;

    public static PutRecordsResponse PutRecords(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        var failed = 0;
        string? encryption = null;
        List<PutRecordsResultEntry>? records = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("FailedRecordCount"u8))
            {
                reader.Read();
                failed = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("EncryptionType"u8))
            {
                encryption = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("Records"u8))
            {
                records = ReadArray(ref reader, ReadPutRecordsResultEntry);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new PutRecordsResponse { FailedRecordCount = failed, Records = records ?? [], EncryptionType = encryption };
    }

    public static PutRecordResponse PutRecord(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        string? shardId = null, sequence = null, encryption = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("ShardId"u8))
            {
                shardId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("SequenceNumber"u8))
            {
                sequence = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("EncryptionType"u8))
            {
                encryption = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new PutRecordResponse { ShardId = Required(shardId, "ShardId"), SequenceNumber = Required(sequence, "SequenceNumber"), EncryptionType = encryption };
    }

    public static GetRecordsResponse GetRecords(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        Record[]? records = null;
        List<ChildShard>? children = null;
        string? next = null;
        long? behind = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("Records"u8))
            {
                records = ReadRecords(ref reader);
            }
            else if (reader.ValueTextEquals("NextShardIterator"u8))
            {
                next = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("MillisBehindLatest"u8))
            {
                behind = ReadNullableInt64(ref reader);
            }
            else if (reader.ValueTextEquals("ChildShards"u8))
            {
                children = ReadArray(ref reader, ReadChildShard);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new GetRecordsResponse { Records = records ?? [], NextShardIterator = next, MillisBehindLatest = behind, ChildShards = children ?? [] };
    }

    public static SubscribeToShardEvent SubscribeToShardEvent(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        Record[]? records = null;
        List<ChildShard>? children = null;
        string? continuation = null;
        long behind = 0;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("Records"u8))
            {
                records = ReadRecords(ref reader);
            }
            else if (reader.ValueTextEquals("ContinuationSequenceNumber"u8))
            {
                continuation = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("MillisBehindLatest"u8))
            {
                behind = ReadNullableInt64(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("ChildShards"u8))
            {
                children = ReadArray(ref reader, ReadChildShard);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new SubscribeToShardEvent { Records = records ?? [], ContinuationSequenceNumber = continuation, MillisBehindLatest = behind, ChildShards = children ?? [] };
    }

    public static GetShardIteratorResponse GetShardIterator(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        string? iterator = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("ShardIterator"u8))
            {
                iterator = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new GetShardIteratorResponse { ShardIterator = Required(iterator, "ShardIterator") };
    }

    public static ListShardsResponse ListShards(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        List<Shard>? shards = null;
        string? next = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("Shards"u8))
            {
                shards = ReadArray(ref reader, ReadShard);
            }
            else if (reader.ValueTextEquals("NextToken"u8))
            {
                next = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new ListShardsResponse { Shards = shards ?? [], NextToken = next };
    }

    public static ListStreamsResponse ListStreams(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        List<string>? names = null;
        List<StreamSummary>? summaries = null;
        string? next = null;
        var hasMore = false;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("StreamNames"u8))
            {
                names = ReadArray(ref reader, static (ref Utf8JsonReader r) => r.GetString() ?? throw new JsonException("A stream name is null."));
            }
            else if (reader.ValueTextEquals("StreamSummaries"u8))
            {
                summaries = ReadArray(ref reader, ReadStreamListEntry);
            }
            else if (reader.ValueTextEquals("HasMoreStreams"u8))
            {
                reader.Read();
                hasMore = reader.GetBoolean();
            }
            else if (reader.ValueTextEquals("NextToken"u8))
            {
                next = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new ListStreamsResponse { StreamNames = names ?? [], HasMoreStreams = hasMore, NextToken = next, StreamSummaries = summaries ?? [] };
    }

    public static DescribeStreamSummaryResponse DescribeStreamSummary(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        StreamDescriptionSummary? summary = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("StreamDescriptionSummary"u8))
            {
                reader.Read();
                summary = ReadStreamSummary(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new DescribeStreamSummaryResponse { StreamDescriptionSummary = Required(summary, "StreamDescriptionSummary") };
    }

    public static UpdateShardCountResponse UpdateShardCount(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        string? name = null, arn = null;
        int current = 0, target = 0;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("StreamName"u8))
            {
                name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("StreamARN"u8))
            {
                arn = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("CurrentShardCount"u8))
            {
                reader.Read();
                current = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("TargetShardCount"u8))
            {
                reader.Read();
                target = reader.GetInt32();
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new UpdateShardCountResponse { StreamName = name, StreamARN = arn, CurrentShardCount = current, TargetShardCount = target };
    }

    public static RegisterStreamConsumerResponse RegisterStreamConsumer(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        Consumer? consumer = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("Consumer"u8))
            {
                reader.Read();
                consumer = ReadConsumer(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new RegisterStreamConsumerResponse { Consumer = Required(consumer, "Consumer") };
    }

    public static DescribeStreamConsumerResponse DescribeStreamConsumer(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        ConsumerDescription? description = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("ConsumerDescription"u8))
            {
                reader.Read();
                var (consumer, streamArn) = ReadConsumerFields(ref reader);
                description = new ConsumerDescription
                {
                    ConsumerName = consumer.ConsumerName,
                    ConsumerARN = consumer.ConsumerARN,
                    ConsumerStatus = consumer.ConsumerStatus,
                    ConsumerCreationTimestamp = consumer.ConsumerCreationTimestamp,
                    StreamARN = streamArn,
                };
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new DescribeStreamConsumerResponse { ConsumerDescription = Required(description, "ConsumerDescription") };
    }

    public static ListStreamConsumersResponse ListStreamConsumers(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        List<Consumer>? consumers = null;
        string? next = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("Consumers"u8))
            {
                consumers = ReadArray(ref reader, ReadConsumer);
            }
            else if (reader.ValueTextEquals("NextToken"u8))
            {
                next = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new ListStreamConsumersResponse { Consumers = consumers ?? [], NextToken = next };
    }

    /// <summary>Reads <c>__type</c> and <c>message</c> of an error body; null members when absent or not JSON.</summary>
    public static (string? Type, string? Message) Error(ReadOnlySpan<byte> json)
    {
        string? type = null, message = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            ReadStartObject(ref reader);
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("__type"u8))
                {
                    type = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("Message"u8))
                {
                    message = ReadString(ref reader);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
        }
        catch (JsonException)
        {
            // A proxy's HTML error page or a cut-off body: keep what was read; the status code still tells the story.
        }

        return (type, message);
    }

    private static PutRecordsResultEntry ReadPutRecordsResultEntry(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? sequence = null, shard = null, code = null, message = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("SequenceNumber"u8))
            {
                sequence = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ShardId"u8))
            {
                shard = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ErrorCode"u8))
            {
                code = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ErrorMessage"u8))
            {
                message = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new PutRecordsResultEntry { SequenceNumber = sequence, ShardId = shard, ErrorCode = code, ErrorMessage = message };
    }

    private static Record ReadRecord(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? sequence = null, key = null, encryption = null;
        byte[]? data = null;
        DateTimeOffset? arrival = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("Data"u8))
            {
                reader.Read();
                data = ReadBase64(ref reader);
            }
            else if (reader.ValueTextEquals("SequenceNumber"u8))
            {
                sequence = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("PartitionKey"u8))
            {
                key = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ApproximateArrivalTimestamp"u8))
            {
                reader.Read();
                arrival = ReadTimestamp(ref reader);
            }
            else if (reader.ValueTextEquals("EncryptionType"u8))
            {
                encryption = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new Record
        {
            SequenceNumber = Required(sequence, "SequenceNumber"),
            PartitionKey = Required(key, "PartitionKey"),
            Data = Required(data, "Data"),
            ApproximateArrivalTimestamp = arrival,
            EncryptionType = encryption,
        };
    }

    private static ChildShard ReadChildShard(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? shardId = null;
        List<string>? parents = null;
        HashKeyRange? range = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("ShardId"u8))
            {
                shardId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ParentShards"u8))
            {
                parents = ReadArray(ref reader, static (ref Utf8JsonReader r) => r.GetString() ?? throw new JsonException("A parent shard id is null."));
            }
            else if (reader.ValueTextEquals("HashKeyRange"u8))
            {
                reader.Read();
                range = ReadHashKeyRange(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new ChildShard { ShardId = Required(shardId, "ShardId"), ParentShards = parents ?? [], HashKeyRange = Required(range, "HashKeyRange") };
    }

    private static Shard ReadShard(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? shardId = null, parent = null, adjacent = null;
        HashKeyRange? range = null;
        SequenceNumberRange? sequences = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("ShardId"u8))
            {
                shardId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ParentShardId"u8))
            {
                parent = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("AdjacentParentShardId"u8))
            {
                adjacent = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("HashKeyRange"u8))
            {
                reader.Read();
                range = ReadHashKeyRange(ref reader);
            }
            else if (reader.ValueTextEquals("SequenceNumberRange"u8))
            {
                reader.Read();
                sequences = ReadSequenceNumberRange(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new Shard
        {
            ShardId = Required(shardId, "ShardId"),
            ParentShardId = parent,
            AdjacentParentShardId = adjacent,
            HashKeyRange = Required(range, "HashKeyRange"),
            SequenceNumberRange = Required(sequences, "SequenceNumberRange"),
        };
    }

    private static HashKeyRange ReadHashKeyRange(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? start = null, end = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("StartingHashKey"u8))
            {
                start = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("EndingHashKey"u8))
            {
                end = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new HashKeyRange { StartingHashKey = Required(start, "StartingHashKey"), EndingHashKey = Required(end, "EndingHashKey") };
    }

    private static SequenceNumberRange ReadSequenceNumberRange(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? start = null, end = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("StartingSequenceNumber"u8))
            {
                start = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("EndingSequenceNumber"u8))
            {
                end = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new SequenceNumberRange { StartingSequenceNumber = Required(start, "StartingSequenceNumber"), EndingSequenceNumber = end };
    }

    private static StreamSummary ReadStreamListEntry(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? name = null, arn = null;
        var status = StreamStatus.Unknown;
        StreamMode? mode = null;
        DateTimeOffset? created = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("StreamName"u8))
            {
                name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("StreamARN"u8))
            {
                arn = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("StreamStatus"u8))
            {
                status = KinesisWireNames.ParseStreamStatus(ReadString(ref reader));
            }
            else if (reader.ValueTextEquals("StreamModeDetails"u8))
            {
                reader.Read();
                mode = ReadStreamMode(ref reader);
            }
            else if (reader.ValueTextEquals("StreamCreationTimestamp"u8))
            {
                reader.Read();
                created = ReadTimestamp(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new StreamSummary { StreamName = Required(name, "StreamName"), StreamARN = arn, StreamStatus = status, StreamMode = mode, StreamCreationTimestamp = created };
    }

    private static StreamMode? ReadStreamMode(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        StreamMode? mode = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("StreamMode"u8))
            {
                mode = KinesisWireNames.ParseStreamMode(ReadString(ref reader));
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return mode;
    }

    private static StreamDescriptionSummary ReadStreamSummary(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? name = null, arn = null, encryption = null;
        var status = StreamStatus.Unknown;
        StreamMode? mode = null;
        int retention = 0, openShards = 0;
        int? consumers = null;
        DateTimeOffset? created = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("StreamName"u8))
            {
                name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("StreamARN"u8))
            {
                arn = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("StreamStatus"u8))
            {
                status = KinesisWireNames.ParseStreamStatus(ReadString(ref reader));
            }
            else if (reader.ValueTextEquals("StreamModeDetails"u8))
            {
                reader.Read();
                mode = ReadStreamMode(ref reader);
            }
            else if (reader.ValueTextEquals("RetentionPeriodHours"u8))
            {
                reader.Read();
                retention = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("OpenShardCount"u8))
            {
                reader.Read();
                openShards = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("ConsumerCount"u8))
            {
                reader.Read();
                consumers = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt32();
            }
            else if (reader.ValueTextEquals("StreamCreationTimestamp"u8))
            {
                reader.Read();
                created = ReadTimestamp(ref reader);
            }
            else if (reader.ValueTextEquals("EncryptionType"u8))
            {
                encryption = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new StreamDescriptionSummary
        {
            StreamName = Required(name, "StreamName"),
            StreamARN = arn,
            StreamStatus = status,
            StreamMode = mode,
            RetentionPeriodHours = retention,
            OpenShardCount = openShards,
            ConsumerCount = consumers,
            StreamCreationTimestamp = created,
            EncryptionType = encryption,
        };
    }

    private static Consumer ReadConsumer(ref Utf8JsonReader reader) => ReadConsumerFields(ref reader).Consumer;

    private static (Consumer Consumer, string? StreamArn) ReadConsumerFields(ref Utf8JsonReader reader)
    {
        ExpectStartObject(ref reader);
        string? name = null, arn = null, streamArn = null;
        var status = ConsumerStatus.Unknown;
        DateTimeOffset? created = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("ConsumerName"u8))
            {
                name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ConsumerARN"u8))
            {
                arn = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("ConsumerStatus"u8))
            {
                status = KinesisWireNames.ParseConsumerStatus(ReadString(ref reader));
            }
            else if (reader.ValueTextEquals("ConsumerCreationTimestamp"u8))
            {
                reader.Read();
                created = ReadTimestamp(ref reader);
            }
            else if (reader.ValueTextEquals("StreamARN"u8))
            {
                streamArn = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        var consumer = new Consumer { ConsumerName = Required(name, "ConsumerName"), ConsumerARN = Required(arn, "ConsumerARN"), ConsumerStatus = status, ConsumerCreationTimestamp = created };
        return (consumer, streamArn);
    }

    private static byte[] ReadBase64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Record data is a {reader.TokenType}, not a base64 string.");
        }

        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return reader.GetBytesFromBase64();
        }

        var encoded = reader.ValueSpan;
        var length = encoded.Length / 4 * 3;
        if (encoded.Length % 4 != 0)
        {
            throw new JsonException("Record data is not valid base64 (length is not a multiple of 4).");
        }

        if (encoded.Length > 0 && encoded[^1] == (byte)'=')
        {
            length -= encoded[^2] == (byte)'=' ? 2 : 1;
        }

        var data = GC.AllocateUninitializedArray<byte>(length);
        var status = Base64.DecodeFromUtf8(encoded, data, out _, out var written);
        if (status != System.Buffers.OperationStatus.Done || written != length)
        {
            throw new JsonException("Record data is not valid base64.");
        }

        return data;
    }

    private static DateTimeOffset? ReadTimestamp(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDouble() * 1000)),
        JsonTokenType.String => reader.GetDateTimeOffset(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"A timestamp is a {reader.TokenType}."),
    };

    private static long? ReadNullableInt64(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64();
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw new JsonException($"Expected a string, found {reader.TokenType}."),
        };
    }

    private static Record[]? ReadRecords(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"Expected an array, found {reader.TokenType}.");
        }

        // A fan-out event or GetRecords page holds up to thousands of records: gather them in a pooled array and keep one
        // exact-size copy, instead of the arrays a growing list allocates and drops.
        var gathered = ArrayPool<Record>.Shared.Rent(256);
        var count = 0;
        try
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (count == gathered.Length)
                {
                    var larger = ArrayPool<Record>.Shared.Rent(count * 2);
                    gathered.AsSpan(0, count).CopyTo(larger);
                    gathered.AsSpan(0, count).Clear();
                    ArrayPool<Record>.Shared.Return(gathered);
                    gathered = larger;
                }

                gathered[count++] = ReadRecord(ref reader);
            }

            return gathered.AsSpan(0, count).ToArray();
        }
        finally
        {
            // Pooled arrays must not keep records alive.
            gathered.AsSpan(0, count).Clear();
            ArrayPool<Record>.Shared.Return(gathered);
        }
    }

    private static List<T>? ReadArray<T>(ref Utf8JsonReader reader, ElementReader<T> readElement)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"Expected an array, found {reader.TokenType}.");
        }

        var list = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(readElement(ref reader));
        }

        return list;
    }

    private static void ReadStartObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The response body is empty.");
        }

        ExpectStartObject(ref reader);
    }

    private static void ExpectStartObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected an object, found {reader.TokenType}.");
        }
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON ends inside an object.");
        }

        return reader.TokenType switch
        {
            JsonTokenType.PropertyName => true,
            JsonTokenType.EndObject => false,
            _ => throw new JsonException($"Expected a property name, found {reader.TokenType}."),
        };
    }

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static T Required<T>(T? value, string name)
        where T : class => value ?? throw new JsonException($"The response lacks '{name}'.");

    private delegate T ElementReader<T>(ref Utf8JsonReader reader);
}

/// <summary>Parses one response body.</summary>
internal delegate T ResponseParser<out T>(ReadOnlySpan<byte> json);
