using System.Numerics;
using System.Runtime.CompilerServices;

namespace Kinesis.Core.Aggregation;

/// <summary>The few protobuf wire-format primitives the aggregated record needs, on spans.</summary>
internal static class ProtobufWire
{
    public const int WireTypeVarint = 0;
    public const int WireTypeFixed64 = 1;
    public const int WireTypeLengthDelimited = 2;
    public const int WireTypeFixed32 = 5;

    // Tags of AggregatedRecord (field << 3 | wire type).
    public const byte PartitionKeyTableTag = (1 << 3) | WireTypeLengthDelimited;
    public const byte ExplicitHashKeyTableTag = (2 << 3) | WireTypeLengthDelimited;
    public const byte RecordTag = (3 << 3) | WireTypeLengthDelimited;

    // Tags of Record.
    public const byte PartitionKeyIndexTag = (1 << 3) | WireTypeVarint;
    public const byte ExplicitHashKeyIndexTag = (2 << 3) | WireTypeVarint;
    public const byte DataTag = (3 << 3) | WireTypeLengthDelimited;

    /// <summary>The encoded length of <paramref name="value"/> as a varint (1 to 10 bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int VarintLength(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    /// <summary>The encoded length of a length-delimited field with a one-byte tag and a payload of <paramref name="length"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LengthDelimitedFieldLength(int length) => 1 + VarintLength((ulong)length) + length;

    /// <summary>Writes <paramref name="value"/> as a varint at the start of <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        int written = 0;
        while (value >= 0x80)
        {
            destination[written++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[written++] = (byte)value;
        return written;
    }

    /// <summary>Reads a varint at <paramref name="position"/> and advances it.</summary>
    /// <returns><see langword="false"/> when the varint is truncated or longer than 10 bytes.</returns>
    public static bool TryReadVarint(ReadOnlySpan<byte> source, ref int position, out ulong value)
    {
        value = 0;
        int shift = 0;
        int index = position;
        while (index < source.Length && shift < 64)
        {
            byte current = source[index++];
            value |= (ulong)(current & 0x7F) << shift;
            if (current < 0x80)
            {
                position = index;
                return true;
            }

            shift += 7;
        }

        return false;
    }

    /// <summary>Reads the length prefix of a length-delimited field and returns its payload bounds.</summary>
    /// <returns><see langword="false"/> when the length is malformed or runs past the end of <paramref name="source"/>.</returns>
    public static bool TryReadLengthDelimited(ReadOnlySpan<byte> source, ref int position, out int start, out int length)
    {
        start = 0;
        length = 0;
        if (!TryReadVarint(source, ref position, out ulong declared) || declared > (ulong)(source.Length - position))
        {
            return false;
        }

        start = position;
        length = (int)declared;
        position += length;
        return true;
    }

    /// <summary>Skips the payload of a field of an unknown number (protobuf readers must ignore those).</summary>
    /// <returns><see langword="false"/> for groups, unknown wire types and truncated payloads.</returns>
    public static bool TrySkipField(ReadOnlySpan<byte> source, ref int position, int wireType)
    {
        switch (wireType)
        {
            case WireTypeVarint:
                return TryReadVarint(source, ref position, out _);
            case WireTypeFixed64:
                return TryAdvance(source, ref position, 8);
            case WireTypeLengthDelimited:
                return TryReadLengthDelimited(source, ref position, out _, out _);
            case WireTypeFixed32:
                return TryAdvance(source, ref position, 4);
            default:
                return false;
        }
    }

    private static bool TryAdvance(ReadOnlySpan<byte> source, ref int position, int count)
    {
        if (source.Length - position < count)
        {
            return false;
        }

        position += count;
        return true;
    }
}
