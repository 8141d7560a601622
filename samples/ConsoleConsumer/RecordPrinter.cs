using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kinesis.Client;

namespace Kinesis.Samples.ConsoleConsumer;

/// <summary>
/// Writes one JSON line per user record to stdout. Shard processors run concurrently, so writes are serialized;
/// a batch is written and flushed as a unit, which keeps each line whole. With a worker id, each line names the worker
/// that read the record.
/// </summary>
/// <remarks>
/// Printing is most of the tool's CPU per record, so a batch is encoded straight to UTF-8 (base64 from the record's
/// bytes, property names encoded once, the sequence number and arrival time once per Kinesis record) into one reused
/// buffer and written with a single call: no string, array or writer per record.
/// </remarks>
internal sealed class RecordPrinter
{
    // A batch is written out in pieces of about this size, so a large batch does not grow the buffer without bound.
    private const int WriteThreshold = 256 * 1024;

    private static readonly JsonEncodedText WorkerIdName = JsonEncodedText.Encode("workerId");
    private static readonly JsonEncodedText ShardIdName = JsonEncodedText.Encode("shardId");
    private static readonly JsonEncodedText SequenceNumberName = JsonEncodedText.Encode("sequenceNumber");
    private static readonly JsonEncodedText SubSequenceNumberName = JsonEncodedText.Encode("subSequenceNumber");
    private static readonly JsonEncodedText PartitionKeyName = JsonEncodedText.Encode("partitionKey");
    private static readonly JsonEncodedText ExplicitHashKeyName = JsonEncodedText.Encode("explicitHashKey");
    private static readonly JsonEncodedText ArrivalName = JsonEncodedText.Encode("approximateArrivalTimestamp");
    private static readonly JsonEncodedText DataName = JsonEncodedText.Encode("data");

    private readonly Stream output;
    private readonly long? maxRecords;
    private readonly JsonEncodedText? workerId;
    private readonly Lock gate = new();
    private readonly ArrayBufferWriter<byte> buffer = new(WriteThreshold + (64 * 1024));

    // Lines are read by scripts, not embedded in HTML: escape only what JSON requires.
    private readonly Utf8JsonWriter writer;
    private readonly byte[] arrival = new byte[32];
    private readonly TaskCompletionSource limitReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? sequenceNumberValue;
    private JsonEncodedText sequenceNumber;
    private DateTimeOffset arrivalValue = DateTimeOffset.MinValue;
    private int arrivalLength;
    private long printed;
    private long lastActivityTicks = Environment.TickCount64;

    public RecordPrinter(Stream output, long? maxRecords, string? workerId = null)
    {
        this.output = output;
        this.maxRecords = maxRecords;
        this.workerId = workerId is null ? null : JsonEncodedText.Encode(workerId, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        // Every line is one object written by the code below, so the writer's structural checks add nothing.
        writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    public long Printed => Interlocked.Read(ref printed);

    public bool LimitReached => maxRecords is { } max && Printed >= max;

    /// <summary>Completes once --max-records were printed; never without a limit.</summary>
    public Task LimitReachedTask => limitReached.Task;

    public TimeSpan IdleFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref lastActivityTicks));

    /// <summary>Starts the idle time afresh (when the consumer has started: creating a lease table can take seconds).</summary>
    public void ResetIdle() => Interlocked.Exchange(ref lastActivityTicks, Environment.TickCount64);

    /// <summary>Prints the records the limit still allows; returns how many it printed (a prefix of the batch).</summary>
    public int Print(string shardId, IReadOnlyList<KinesisClientRecord> records)
    {
        lock (gate)
        {
            var allowed = maxRecords is { } max ? (int)Math.Clamp(max - Printed, 0, records.Count) : records.Count;
            var shard = JsonEncodedText.Encode(shardId, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
            for (var i = 0; i < allowed; i++)
            {
                Write(shard, records[i]);
                if (buffer.WrittenCount >= WriteThreshold)
                {
                    WriteBuffer();
                }
            }

            WriteBuffer();
            output.Flush();
            if (allowed > 0)
            {
                Interlocked.Add(ref printed, allowed);
                Interlocked.Exchange(ref lastActivityTicks, Environment.TickCount64);
                if (LimitReached)
                {
                    limitReached.TrySetResult();
                }
            }

            return allowed;
        }
    }

    private void Write(JsonEncodedText shardId, KinesisClientRecord record)
    {
        writer.Reset(buffer);
        writer.WriteStartObject();
        if (workerId is { } worker)
        {
            writer.WriteString(WorkerIdName, worker);
        }

        writer.WriteString(ShardIdName, shardId);
        writer.WriteString(SequenceNumberName, EncodeSequenceNumber(record.SequenceNumber));
        writer.WriteNumber(SubSequenceNumberName, record.SubSequenceNumber);
        writer.WriteString(PartitionKeyName, record.PartitionKey);
        if (record.ExplicitHashKey is { } hashKey)
        {
            writer.WriteString(ExplicitHashKeyName, hashKey);
        }
        else
        {
            writer.WriteNull(ExplicitHashKeyName);
        }

        writer.WriteString(ArrivalName, FormatArrival(record.ApproximateArrivalTimestamp));
        writer.WriteBase64String(DataName, record.Data.Span);
        writer.WriteEndObject();
        writer.Flush();
        buffer.Write("\n"u8);
    }

    // The user records of one aggregate share their sequence number (the same string): encode it once.
    private JsonEncodedText EncodeSequenceNumber(string value)
    {
        if (!ReferenceEquals(value, sequenceNumberValue))
        {
            sequenceNumber = JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
            sequenceNumberValue = value;
        }

        return sequenceNumber;
    }

    // The user records of one aggregate share their arrival time: format it once.
    private ReadOnlySpan<byte> FormatArrival(DateTimeOffset value)
    {
        if (value != arrivalValue || arrivalLength == 0)
        {
            value.UtcDateTime.TryFormat(arrival, out arrivalLength, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            arrivalValue = value;
        }

        return arrival.AsSpan(0, arrivalLength);
    }

    private void WriteBuffer()
    {
        output.Write(buffer.WrittenSpan);
        buffer.ResetWrittenCount();
    }
}
