using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kinesis.Core.Api.Serialization;

/// <summary>
/// Writes the JSON 1.1 request bodies into pooled buffers with a per-thread <see cref="Utf8JsonWriter"/>. The data-plane
/// bodies (PutRecord, PutRecords, GetRecords) are written by hand: record data goes from the caller's bytes straight to
/// base64 in the output buffer, no intermediate strings or arrays (see PutRecordsSerializationBenchmarks). The control
/// plane is source-generated (<see cref="ControlPlaneJson"/>).
/// </summary>
internal static class KinesisRequestWriter
{
    // Requests are never embedded in HTML; the relaxed encoder leaves '+' and similar characters of keys and ids alone.
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private static readonly JsonEncodedText StreamName = JsonEncodedText.Encode("StreamName");
    private static readonly JsonEncodedText StreamArn = JsonEncodedText.Encode("StreamARN");
    private static readonly JsonEncodedText Records = JsonEncodedText.Encode("Records");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("Data");
    private static readonly JsonEncodedText PartitionKey = JsonEncodedText.Encode("PartitionKey");
    private static readonly JsonEncodedText ExplicitHashKey = JsonEncodedText.Encode("ExplicitHashKey");

    [ThreadStatic]
    private static Utf8JsonWriter? cachedWriter;

    /// <summary>Writes a body with <paramref name="write"/> into <paramref name="output"/>, reusing a per-thread writer.</summary>
    public static void Write<TRequest>(PooledBufferWriter output, TRequest request, RequestBodyWriter<TRequest> write)
    {
        var writer = cachedWriter;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output, WriterOptions);
            cachedWriter = writer;
        }
        else
        {
            writer.Reset(output);
        }

        try
        {
            write(writer, request);
            writer.Flush();
        }
        finally
        {
            // Drop the reference to the caller's buffer so the pooled array is not kept alive by the thread.
            writer.Reset(Stream.Null);
        }
    }

    /// <summary>A close upper estimate of one record's JSON size (base64 data, partition key, member names).</summary>
    public static int EstimateRecordSize(string partitionKey, int dataLength) =>
        (((dataLength + 2) / 3) * 4) + (partitionKey.Length * 3) + 96;

    /// <summary>A close upper estimate of a PutRecords body, used to size its buffer once.</summary>
    public static int EstimatePutRecordsSize(PutRecordsRequest request)
    {
        long size = 256 + ((request.StreamName?.Length ?? 0) * 3) + ((request.StreamARN?.Length ?? 0) * 3);
        var records = request.Records;
        for (var i = 0; i < records.Count; i++)
        {
            var entry = records[i];
            size += EstimateRecordSize(entry.PartitionKey, entry.Data.Length) + (entry.ExplicitHashKey?.Length ?? 0) + 24;
        }

        return (int)Math.Min(size, int.MaxValue / 2);
    }

    public static void PutRecords(Utf8JsonWriter writer, PutRecordsRequest request)
    {
        PutRecordsStart(writer, request);
        var records = request.Records;
        for (var i = 0; i < records.Count; i++)
        {
            PutRecordsEntry(writer, records[i]);
        }

        PutRecordsEnd(writer);
    }

    /// <summary>A PutRecords body up to its first record (for <see cref="PutRecordsBody"/>, which writes it in pieces).</summary>
    public static void PutRecordsStart(Utf8JsonWriter writer, PutRecordsRequest request)
    {
        writer.WriteStartObject();
        WriteStream(writer, request.StreamName, request.StreamARN);
        writer.WriteStartArray(Records);
    }

    public static void PutRecordsEntry(Utf8JsonWriter writer, PutRecordsRequestEntry entry)
    {
        writer.WriteStartObject();
        writer.WriteBase64String(Data, entry.Data.Span);
        writer.WriteString(PartitionKey, entry.PartitionKey);
        if (entry.ExplicitHashKey is not null)
        {
            writer.WriteString(ExplicitHashKey, entry.ExplicitHashKey);
        }

        writer.WriteEndObject();
    }

    public static void PutRecordsEnd(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void PutRecord(Utf8JsonWriter writer, PutRecordRequest request)
    {
        writer.WriteStartObject();
        WriteStream(writer, request.StreamName, request.StreamARN);
        writer.WriteBase64String(Data, request.Data.Span);
        writer.WriteString(PartitionKey, request.PartitionKey);
        WriteOptional(writer, ExplicitHashKey, request.ExplicitHashKey);
        WriteOptional(writer, "SequenceNumberForOrdering", request.SequenceNumberForOrdering);
        writer.WriteEndObject();
    }

    public static void GetRecords(Utf8JsonWriter writer, GetRecordsRequest request)
    {
        writer.WriteStartObject();
        writer.WriteString("ShardIterator", request.ShardIterator);
        if (request.Limit is { } limit)
        {
            writer.WriteNumber("Limit", limit);
        }

        WriteOptional(writer, StreamArn, request.StreamARN);
        writer.WriteEndObject();
    }

    private static void WriteStream(Utf8JsonWriter writer, string? streamName, string? streamArn)
    {
        WriteOptional(writer, StreamName, streamName);
        WriteOptional(writer, StreamArn, streamArn);
    }

    private static void WriteOptional(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
