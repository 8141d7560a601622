using System.Text.Json;
using Kinesis.Core.Api;
using Kinesis.Core.Api.Serialization;
using Kinesis.Core.Hashing;

namespace Kinesis.Benchmarks.Api;

/// <summary>
/// The hand-written <see cref="Utf8JsonReader"/> parsers of ListShards and DescribeStreamSummary that the source-generated
/// <see cref="ControlPlaneJson"/> replaced (Kinesis.Core at 55834a3), frozen here as the baseline of
/// <see cref="ControlPlaneJsonBenchmarks"/> so both run in one process on the same machine load.
/// </summary>
internal static class HandWrittenControlPlaneParser
{
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
            HashKeyRange = range ?? throw new JsonException("The response lacks 'HashKeyRange'."),
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

        return KinesisWireNames.ToHashKeyRange(Required(start, "StartingHashKey"), Required(end, "EndingHashKey"));
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

    private static DateTimeOffset? ReadTimestamp(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDouble() * 1000)),
        JsonTokenType.String => reader.GetDateTimeOffset(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"A timestamp is a {reader.TokenType}."),
    };

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
