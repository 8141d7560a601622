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
internal sealed class RecordPrinter(Stream output, long? maxRecords, string? workerId = null)
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Lock gate = new();
        // Lines are read by scripts, not embedded in HTML: escape only what JSON requires.
    private readonly Utf8JsonWriter writer = new(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    private long printed;
    private long lastActivityTicks = Environment.TickCount64;

    public long Printed => Interlocked.Read(ref printed);

    public bool LimitReached => maxRecords is { } max && Printed >= max;

    public TimeSpan IdleFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref lastActivityTicks));

    /// <summary>Starts the idle time afresh (when the consumer has started: creating a lease table can take seconds).</summary>
    public void ResetIdle() => Interlocked.Exchange(ref lastActivityTicks, Environment.TickCount64);

    /// <summary>Prints the records the limit still allows; returns how many it printed (a prefix of the batch).</summary>
    public int Print(string shardId, IReadOnlyList<KinesisClientRecord> records)
    {
        lock (gate)
        {
            var count = 0;
            foreach (var record in records)
            {
                if (LimitReached)
                {
                    break;
                }

                Write(shardId, record);
                count++;
                Interlocked.Increment(ref printed);
            }

            output.Flush();
            if (count > 0)
            {
                Interlocked.Exchange(ref lastActivityTicks, Environment.TickCount64);
            }

            return count;
        }
    }

    private void Write(string shardId, KinesisClientRecord record)
    {
        writer.Reset(output);
        writer.WriteStartObject();
        if (workerId is not null)
        {
            writer.WriteString("workerId", workerId);
        }

        writer.WriteString("shardId", shardId);
        writer.WriteString("sequenceNumber", record.SequenceNumber);
        writer.WriteNumber("subSequenceNumber", record.SubSequenceNumber);
        writer.WriteString("partitionKey", record.PartitionKey);
        if (record.ExplicitHashKey is { } hashKey)
        {
            writer.WriteString("explicitHashKey", hashKey);
        }
        else
        {
            writer.WriteNull("explicitHashKey");
        }

        writer.WriteString("approximateArrivalTimestamp", record.ApproximateArrivalTimestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        writer.WriteBase64String("data", record.Data.Span);
        writer.WriteEndObject();
        writer.Flush();
        output.Write(NewLine);
    }
}
