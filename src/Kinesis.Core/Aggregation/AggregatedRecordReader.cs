using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Kinesis.Core.Hashing;

namespace Kinesis.Core.Aggregation;

/// <summary>
/// Decodes KPL aggregates by hand, straight from the record's bytes: user data stays a slice of the input,
/// and only the key-table strings are allocated. Never throws on malformed input.
/// </summary>
internal static class AggregatedRecordReader
{
    /// <summary>The outcome of <see cref="TryRead"/>.</summary>
    internal readonly record struct ReadResult(DeaggregationFailureReason? Failure, int Appended, int OutOfRange);

    /// <summary>
    /// Appends the user records of <paramref name="record"/> to <paramref name="destination"/> when it is a
    /// valid aggregate; otherwise appends nothing and returns the reason.
    /// </summary>
    /// <param name="record">The Kinesis record.</param>
    /// <param name="shardRange">When given, counts the user records whose hash key is outside it.</param>
    /// <param name="destination">Where to append.</param>
    public static ReadResult TryRead(in KinesisRecordInput record, HashKeyRange? shardRange, List<DeaggregatedRecord> destination)
    {
        ReadOnlySpan<byte> data = record.Data.Span;
        if (!AggregatedRecordFormat.HasMagic(data))
        {
            return new ReadResult(DeaggregationFailureReason.NotAggregated, 0, 0);
        }

        if (data.Length <= AggregatedRecordFormat.FixedOverhead)
        {
            return new ReadResult(DeaggregationFailureReason.TooShort, 0, 0);
        }

        int messageLength = data.Length - AggregatedRecordFormat.FixedOverhead;
        ReadOnlySpan<byte> message = data.Slice(AggregatedRecordFormat.MagicLength, messageLength);
        Span<byte> checksum = stackalloc byte[AggregatedRecordFormat.ChecksumLength];
        MD5.HashData(message, checksum);
        if (!checksum.SequenceEqual(data[^AggregatedRecordFormat.ChecksumLength..]))
        {
            return new ReadResult(DeaggregationFailureReason.ChecksumMismatch, 0, 0);
        }

        if (!TryCountFields(message, out int partitionKeyCount, out int explicitHashKeyCount, out int recordCount))
        {
            return new ReadResult(DeaggregationFailureReason.InvalidProtobuf, 0, 0);
        }

        if (recordCount == 0)
        {
            return new ReadResult(DeaggregationFailureReason.NoUserRecords, 0, 0);
        }

        string[] partitionKeys = ArrayPool<string>.Shared.Rent(partitionKeyCount);
        string[] explicitHashKeys = ArrayPool<string>.Shared.Rent(explicitHashKeyCount);
        bool filter = shardRange is { IsAll: false };
        UInt128[]? hashKeys = filter ? ArrayPool<UInt128>.Shared.Rent(partitionKeyCount + explicitHashKeyCount) : null;
        int start = destination.Count;
        try
        {
            DeaggregationFailureReason? failure = ReadTables(message, partitionKeys, explicitHashKeys, hashKeys, partitionKeyCount);
            if (failure is null)
            {
                failure = ReadRecords(record, message, partitionKeys, partitionKeyCount, explicitHashKeys, explicitHashKeyCount, hashKeys, shardRange, destination, out int outOfRange);
                if (failure is null)
                {
                    return new ReadResult(null, destination.Count - start, outOfRange);
                }
            }

            destination.RemoveRange(start, destination.Count - start);
            return new ReadResult(failure, 0, 0);
        }
        finally
        {
            ArrayPool<string>.Shared.Return(partitionKeys, clearArray: true);
            ArrayPool<string>.Shared.Return(explicitHashKeys, clearArray: true);
            if (hashKeys is not null)
            {
                ArrayPool<UInt128>.Shared.Return(hashKeys);
            }
        }
    }

    private static bool TryCountFields(ReadOnlySpan<byte> message, out int partitionKeys, out int explicitHashKeys, out int records)
    {
        partitionKeys = 0;
        explicitHashKeys = 0;
        records = 0;
        int position = 0;
        while (position < message.Length)
        {
            if (!TryReadTag(message, ref position, out ulong field, out int wireType))
            {
                return false;
            }

            if (field is >= 1 and <= 3)
            {
                if (wireType != ProtobufWire.WireTypeLengthDelimited
                    || !ProtobufWire.TryReadLengthDelimited(message, ref position, out _, out _))
                {
                    return false;
                }

                switch (field)
                {
                    case 1:
                        partitionKeys++;
                        break;
                    case 2:
                        explicitHashKeys++;
                        break;
                    default:
                        records++;
                        break;
                }
            }
            else if (!ProtobufWire.TrySkipField(message, ref position, wireType))
            {
                return false;
            }
        }

        return true;
    }

    private static DeaggregationFailureReason? ReadTables(
        ReadOnlySpan<byte> message,
        string[] partitionKeys,
        string[] explicitHashKeys,
        UInt128[]? hashKeys,
        int partitionKeyCount)
    {
        // The framing was validated by TryCountFields, so only the contents can fail here.
        int position = 0;
        int partitionKeyIndex = 0;
        int explicitHashKeyIndex = 0;
        while (position < message.Length)
        {
            TryReadTag(message, ref position, out ulong field, out int wireType);
            if (field is 1 or 2)
            {
                ProtobufWire.TryReadLengthDelimited(message, ref position, out int start, out int length);
                ReadOnlySpan<byte> text = message.Slice(start, length);
                if (field == 1)
                {
                    partitionKeys[partitionKeyIndex] = Encoding.UTF8.GetString(text);
                    if (hashKeys is not null)
                    {
                        hashKeys[partitionKeyIndex] = HashKeys.FromUtf8PartitionKey(text);
                    }

                    partitionKeyIndex++;
                }
                else
                {
                    if (!HashKeys.TryParseExplicitHashKey(text, out UInt128 hashKey))
                    {
                        return DeaggregationFailureReason.InvalidExplicitHashKey;
                    }

                    explicitHashKeys[explicitHashKeyIndex] = Encoding.UTF8.GetString(text);
                    if (hashKeys is not null)
                    {
                        hashKeys[partitionKeyCount + explicitHashKeyIndex] = hashKey;
                    }

                    explicitHashKeyIndex++;
                }
            }
            else
            {
                ProtobufWire.TrySkipField(message, ref position, wireType);
            }
        }

        return null;
    }

    private static DeaggregationFailureReason? ReadRecords(
        in KinesisRecordInput record,
        ReadOnlySpan<byte> message,
        string[] partitionKeys,
        int partitionKeyCount,
        string[] explicitHashKeys,
        int explicitHashKeyCount,
        UInt128[]? hashKeys,
        HashKeyRange? shardRange,
        List<DeaggregatedRecord> destination,
        out int outOfRange)
    {
        outOfRange = 0;
        int position = 0;
        long subSequenceNumber = 0;
        while (position < message.Length)
        {
            TryReadTag(message, ref position, out ulong field, out int wireType);
            if (field != 3)
            {
                ProtobufWire.TrySkipField(message, ref position, wireType);
                continue;
            }

            ProtobufWire.TryReadLengthDelimited(message, ref position, out int recordStart, out int recordLength);
            if (!TryReadRecord(message.Slice(recordStart, recordLength), out ulong partitionKeyIndex, out ulong? explicitHashKeyIndex, out int dataStart, out int dataLength))
            {
                return DeaggregationFailureReason.InvalidProtobuf;
            }

            if (partitionKeyIndex >= (ulong)partitionKeyCount
                || (explicitHashKeyIndex is ulong ehkIndex && ehkIndex >= (ulong)explicitHashKeyCount))
            {
                return DeaggregationFailureReason.KeyIndexOutOfRange;
            }

            if (hashKeys is not null)
            {
                UInt128 hashKey = explicitHashKeyIndex is ulong index
                    ? hashKeys[partitionKeyCount + (int)index]
                    : hashKeys[(int)partitionKeyIndex];
                if (!shardRange!.Value.Contains(hashKey))
                {
                    outOfRange++;
                }
            }

            int dataOffset = AggregatedRecordFormat.MagicLength + recordStart + dataStart;
            destination.Add(new DeaggregatedRecord(
                record.Data.Slice(dataOffset, dataLength),
                partitionKeys[(int)partitionKeyIndex],
                explicitHashKeyIndex is ulong i ? explicitHashKeys[(int)i] : null,
                record.SequenceNumber,
                subSequenceNumber++,
                record.ApproximateArrivalTimestamp,
                isAggregated: true));
        }

        return null;
    }

    private static bool TryReadRecord(
        ReadOnlySpan<byte> recordMessage,
        out ulong partitionKeyIndex,
        out ulong? explicitHashKeyIndex,
        out int dataStart,
        out int dataLength)
    {
        // proto2 semantics: a repeated scalar field keeps its last value; unknown fields (and tags, field 4) are skipped.
        bool hasPartitionKeyIndex = false;
        bool hasData = false;
        partitionKeyIndex = 0;
        explicitHashKeyIndex = null;
        dataStart = 0;
        dataLength = 0;
        int position = 0;
        while (position < recordMessage.Length)
        {
            if (!TryReadTag(recordMessage, ref position, out ulong field, out int wireType))
            {
                return false;
            }

            switch (field)
            {
                case 1 when wireType == ProtobufWire.WireTypeVarint:
                    if (!ProtobufWire.TryReadVarint(recordMessage, ref position, out partitionKeyIndex))
                    {
                        return false;
                    }

                    hasPartitionKeyIndex = true;
                    break;
                case 2 when wireType == ProtobufWire.WireTypeVarint:
                    if (!ProtobufWire.TryReadVarint(recordMessage, ref position, out ulong index))
                    {
                        return false;
                    }

                    explicitHashKeyIndex = index;
                    break;
                case 3 when wireType == ProtobufWire.WireTypeLengthDelimited:
                    if (!ProtobufWire.TryReadLengthDelimited(recordMessage, ref position, out dataStart, out dataLength))
                    {
                        return false;
                    }

                    hasData = true;
                    break;
                case 1 or 2 or 3:
                    return false;
                default:
                    if (!ProtobufWire.TrySkipField(recordMessage, ref position, wireType))
                    {
                        return false;
                    }

                    break;
            }
        }

        return hasPartitionKeyIndex && hasData;
    }

    private static bool TryReadTag(ReadOnlySpan<byte> source, ref int position, out ulong field, out int wireType)
    {
        if (!ProtobufWire.TryReadVarint(source, ref position, out ulong tag) || (tag >> 3) == 0)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        field = tag >> 3;
        wireType = (int)(tag & 7);
        return true;
    }
}
