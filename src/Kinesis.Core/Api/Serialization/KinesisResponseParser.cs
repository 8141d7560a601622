using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Kinesis.Core.Hashing;

namespace Kinesis.Core.Api.Serialization;

/// <summary>
/// Hand-written <see cref="Utf8JsonReader"/> parsers for the data-plane responses (PutRecord(s), GetRecords, SubscribeToShard
/// events) and error bodies: unknown members skipped, record data decoded from base64 straight into arrays of the exact
/// size, records gathered in a pooled array (see GetRecordsParsingBenchmarks). The control plane is source-generated
/// (<see cref="ControlPlaneJson"/>).
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

        return new ChildShard { ShardId = Required(shardId, "ShardId"), ParentShards = parents ?? [], HashKeyRange = range ?? throw new JsonException("The response lacks 'HashKeyRange'.") };
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
