using System.Buffers;
using System.Security.Cryptography;
using Kinesis.Core.Aggregation;

namespace Kinesis.Core.Tests.Aggregation;

/// <summary>Builders shared by the aggregation tests.</summary>
internal static class AggregationTestData
{
    public static readonly DateTimeOffset Arrival = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    public static KinesisRecordInput Input(byte[] data, string partitionKey = "a", string sequenceNumber = "49581544954143914480256700934210366840104395343224897586") =>
        new(data, partitionKey, sequenceNumber, Arrival);

    /// <summary>Frames a protobuf message as an aggregated record: magic, message, MD5 of the message.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        byte[] framed = new byte[AggregatedRecordFormat.FixedOverhead + message.Length];
        AggregatedRecordFormat.Magic.CopyTo(framed);
        message.CopyTo(framed.AsSpan(AggregatedRecordFormat.MagicLength));
        MD5.HashData(message, framed.AsSpan(AggregatedRecordFormat.MagicLength + message.Length));
        return framed;
    }

    public static (byte[] Bytes, EncodedRecordInfo Info) Encode(RecordAggregator aggregator)
    {
        var writer = new ArrayBufferWriter<byte>();
        EncodedRecordInfo info = aggregator.Encode(writer);
        return (writer.WrittenSpan.ToArray(), info);
    }
}
