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

        bool filter = shardRange is { IsAll: false };
        var partitionKeys = new KeyColumn(filter);
        var explicitHashKeys = new KeyColumn(filter);
        int start = destination.Count;
        try
        {
            DeaggregationFailureReason? failure = ReadInOnePass(record, message, ref partitionKeys, ref explicitHashKeys, shardRange, destination, out bool forwardReference, out int outOfRange);
            if (failure is null && forwardReference)
            {
                // A record used a key index before the table entry appeared; legal protobuf (field order is free)
                // but not what any KPL writes. Now that the tables are complete, read the records again.
                destination.RemoveRange(start, destination.Count - start);
                failure = ReadRecords(record, message, partitionKeys, explicitHashKeys, shardRange, destination, out outOfRange);
            }

            if (failure is null && destination.Count == start)
            {
                failure = DeaggregationFailureReason.NoUserRecords;
            }

            if (failure is null)
            {
                return new ReadResult(null, destination.Count - start, outOfRange);
            }

            destination.RemoveRange(start, destination.Count - start);
            return new ReadResult(failure, 0, 0);
        }
        finally
        {
            partitionKeys.Return();
            explicitHashKeys.Return();
        }
    }

    private static DeaggregationFailureReason? ReadInOnePass(
        in KinesisRecordInput record,
        ReadOnlySpan<byte> message,
        ref KeyColumn partitionKeys,
        ref KeyColumn explicitHashKeys,
        HashKeyRange? shardRange,
        List<DeaggregatedRecord> destination,
        out bool forwardReference,
        out int outOfRange)
    {
        forwardReference = false;
        outOfRange = 0;
        int position = 0;
        long subSequenceNumber = 0;
        while (position < message.Length)
        {
            if (!TryReadTag(message, ref position, out ulong field, out int wireType))
            {
                return DeaggregationFailureReason.InvalidProtobuf;
            }

            if (field is < 1 or > 3)
            {
                if (!ProtobufWire.TrySkipField(message, ref position, wireType))
                {
                    return DeaggregationFailureReason.InvalidProtobuf;
                }

                continue;
            }

            if (wireType != ProtobufWire.WireTypeLengthDelimited
                || !ProtobufWire.TryReadLengthDelimited(message, ref position, out int start, out int length))
            {
                return DeaggregationFailureReason.InvalidProtobuf;
            }

            ReadOnlySpan<byte> payload = message.Slice(start, length);
            if (field == 1)
            {
                partitionKeys.Add(Encoding.UTF8.GetString(payload), partitionKeys.WithHashKeys ? HashKeys.FromUtf8PartitionKey(payload) : default);
            }
            else if (field == 2)
            {
                if (!HashKeys.TryParseExplicitHashKey(payload, out UInt128 hashKey))
                {
                    return DeaggregationFailureReason.InvalidExplicitHashKey;
                }

                explicitHashKeys.Add(Encoding.UTF8.GetString(payload), hashKey);
            }
            else
            {
                if (!TryReadRecord(payload, out ulong partitionKeyIndex, out ulong? explicitHashKeyIndex, out int dataStart, out int dataLength))
                {
                    return DeaggregationFailureReason.InvalidProtobuf;
                }

                if (forwardReference
                    || partitionKeyIndex >= (ulong)partitionKeys.Count
                    || (explicitHashKeyIndex is ulong ehkIndex && ehkIndex >= (ulong)explicitHashKeys.Count))
                {
                    // Keep validating the framing; the records are read again once the tables are complete.
                    forwardReference = true;
                    continue;
                }

                if (AddRecord(record, start, dataStart, dataLength, partitionKeyIndex, explicitHashKeyIndex, partitionKeys, explicitHashKeys, shardRange, subSequenceNumber++, destination))
                {
                    outOfRange++;
                }
            }
        }

        return null;
    }

    private static DeaggregationFailureReason? ReadRecords(
        in KinesisRecordInput record,
        ReadOnlySpan<byte> message,
        in KeyColumn partitionKeys,
        in KeyColumn explicitHashKeys,
        HashKeyRange? shardRange,
        List<DeaggregatedRecord> destination,
        out int outOfRange)
    {
        // The framing was validated by the first pass, so only key indices can fail here.
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
            TryReadRecord(message.Slice(recordStart, recordLength), out ulong partitionKeyIndex, out ulong? explicitHashKeyIndex, out int dataStart, out int dataLength);
            if (partitionKeyIndex >= (ulong)partitionKeys.Count
                || (explicitHashKeyIndex is ulong ehkIndex && ehkIndex >= (ulong)explicitHashKeys.Count))
            {
                return DeaggregationFailureReason.KeyIndexOutOfRange;
            }

            if (AddRecord(record, recordStart, dataStart, dataLength, partitionKeyIndex, explicitHashKeyIndex, partitionKeys, explicitHashKeys, shardRange, subSequenceNumber++, destination))
            {
                outOfRange++;
            }
        }

        return null;
    }

    /// <summary>Appends one user record whose key indices are known to be valid.</summary>
    /// <returns>Whether the record's hash key lies outside <paramref name="shardRange"/> (always false without a range).</returns>
    private static bool AddRecord(
        in KinesisRecordInput record,
        int recordStart,
        int dataStart,
        int dataLength,
        ulong partitionKeyIndex,
        ulong? explicitHashKeyIndex,
        in KeyColumn partitionKeys,
        in KeyColumn explicitHashKeys,
        HashKeyRange? shardRange,
        long subSequenceNumber,
        List<DeaggregatedRecord> destination)
    {
        bool outOfRange = false;
        if (partitionKeys.WithHashKeys)
        {
            UInt128 hashKey = explicitHashKeyIndex is ulong index
                ? explicitHashKeys.HashKeyAt((int)index)
                : partitionKeys.HashKeyAt((int)partitionKeyIndex);
            outOfRange = !shardRange!.Value.Contains(hashKey);
        }

        destination.Add(new DeaggregatedRecord(
            record.Data.Slice(AggregatedRecordFormat.MagicLength + recordStart + dataStart, dataLength),
            partitionKeys.TextAt((int)partitionKeyIndex),
            explicitHashKeyIndex is ulong i ? explicitHashKeys.TextAt((int)i) : null,
            record.SequenceNumber,
            subSequenceNumber,
            record.ApproximateArrivalTimestamp,
            isAggregated: true));
        return outOfRange;
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

    /// <summary>A key table being read: texts, and hash keys when a range filter needs them, in pooled arrays.</summary>
    private struct KeyColumn
    {
        private const int InitialCapacity = 8;

        private string[] _texts;
        private UInt128[]? _hashKeys;

        public KeyColumn(bool withHashKeys)
        {
            _texts = ArrayPool<string>.Shared.Rent(InitialCapacity);
            _hashKeys = withHashKeys ? ArrayPool<UInt128>.Shared.Rent(InitialCapacity) : null;
            Count = 0;
        }

        public int Count { get; private set; }

        public readonly bool WithHashKeys => _hashKeys is not null;

        public readonly string TextAt(int index) => _texts[index];

        public readonly UInt128 HashKeyAt(int index) => _hashKeys![index];

        public void Add(string text, UInt128 hashKey)
        {
            if (Count == _texts.Length)
            {
                _texts = Grow(_texts, Count, clear: true);
                if (_hashKeys is not null)
                {
                    _hashKeys = Grow(_hashKeys, Count, clear: false);
                }
            }

            _texts[Count] = text;
            if (_hashKeys is not null)
            {
                _hashKeys[Count] = hashKey;
            }

            Count++;
        }

        public readonly void Return()
        {
            ArrayPool<string>.Shared.Return(_texts, clearArray: true);
            if (_hashKeys is not null)
            {
                ArrayPool<UInt128>.Shared.Return(_hashKeys);
            }
        }

        private static T[] Grow<T>(T[] array, int count, bool clear)
        {
            T[] larger = ArrayPool<T>.Shared.Rent(array.Length * 2);
            Array.Copy(array, larger, count);
            ArrayPool<T>.Shared.Return(array, clear);
            return larger;
        }
    }
}
