using System.Buffers;
using System.Text.Json;
using Kinesis.Core.Api;

namespace Kinesis.Client.DeadLetter;

/// <summary>
/// The JSON envelope <see cref="KinesisStreamDeadLetterSink"/> writes for each failed user record: the record's payload
/// (base64) with where it came from and why it failed. Format version <see cref="Version"/>; the fields are documented in
/// docs/configuration.md ("Poison records", the dead-letter envelope).
/// </summary>
/// <remarks>
/// <code>
/// {"version":1,"streamName":"orders","shardId":"shardId-000000000000","sequenceNumber":"4963...","subSequenceNumber":0,
///  "partitionKey":"customer-42","explicitHashKey":null,"approximateArrivalTimestamp":"2026-12-05T03:00:00.0000000+00:00",
///  "isAggregated":false,"reason":"RetriesExhausted","attempts":3,"exceptionType":"System.FormatException",
///  "exceptionMessage":"...","batchFirstSequenceNumber":"4963.../0","batchLastSequenceNumber":"4963.../0","batchRecordCount":1,
///  "deadLetteredAt":"2026-12-05T03:00:05.0000000+00:00","dataOmitted":false,"dataLength":12,"data":"eyJpZCI6NDJ9"}
/// </code>
/// When the envelope with the payload would exceed the Kinesis record limit (the base64 payload is a third larger than the
/// record), <c>data</c> is null and <c>dataOmitted</c> true: the source position still identifies the record in its stream
/// for as long as the stream retains it.
/// </remarks>
public static class DeadLetterEnvelope
{
    /// <summary>The value of the <c>version</c> field.</summary>
    public const int Version = 1;

    /// <summary>Writes the envelope of <paramref name="record"/>, one record of <paramref name="batch"/>, as UTF-8 JSON.</summary>
    /// <param name="batch">The dead-lettered batch the record belongs to.</param>
    /// <param name="record">The record.</param>
    /// <param name="deadLetteredAt">When the sink was called.</param>
    /// <param name="maxSize">The largest envelope to write, in bytes; above it the payload is omitted. Default: <see cref="KinesisLimits.MaxRecordSize"/> minus the partition key's UTF-8 bytes.</param>
    /// <returns>The UTF-8 JSON bytes.</returns>
    public static byte[] Create(DeadLetterBatch batch, KinesisClientRecord record, DateTimeOffset deadLetteredAt, int? maxSize = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(record);
        var limit = maxSize ?? KinesisLimits.MaxRecordSize - System.Text.Encoding.UTF8.GetByteCount(record.PartitionKey);
        var withData = Write(batch, record, deadLetteredAt, includeData: true);
        return withData.Length <= limit ? withData : Write(batch, record, deadLetteredAt, includeData: false);
    }

    private static byte[] Write(DeadLetterBatch batch, KinesisClientRecord record, DateTimeOffset deadLetteredAt, bool includeData)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (includeData ? record.Data.Length * 4 / 3 : 0));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", Version);
            json.WriteString("streamName", batch.StreamName);
            json.WriteString("shardId", batch.ShardId);
            json.WriteString("sequenceNumber", record.SequenceNumber);
            json.WriteNumber("subSequenceNumber", record.SubSequenceNumber);
            json.WriteString("partitionKey", record.PartitionKey);
            json.WriteString("explicitHashKey", record.ExplicitHashKey);
            json.WriteString("approximateArrivalTimestamp", record.ApproximateArrivalTimestamp);
            json.WriteBoolean("isAggregated", record.IsAggregated);
            json.WriteString("reason", batch.Reason.ToString());
            json.WriteNumber("attempts", batch.Attempts);
            json.WriteString("exceptionType", batch.Exception.GetType().FullName);
            json.WriteString("exceptionMessage", batch.Exception.Message);
            json.WriteString("batchFirstSequenceNumber", batch.FirstSequenceNumber.ToString());
            json.WriteString("batchLastSequenceNumber", batch.LastSequenceNumber.ToString());
            json.WriteNumber("batchRecordCount", batch.Records.Count);
            json.WriteString("deadLetteredAt", deadLetteredAt);
            json.WriteBoolean("dataOmitted", !includeData);
            json.WriteNumber("dataLength", record.Data.Length);
            if (includeData)
            {
                json.WriteBase64String("data", record.Data.Span);
            }
            else
            {
                json.WriteNull("data");
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
