using System.Buffers.Binary;
using System.IO.Hashing;
using Amazon.Runtime.EventStreams;

namespace Kinesis.Core.Api.EventStream;

/// <summary>
/// One verified frame of an <c>application/vnd.amazon.eventstream</c> body, decoded in place: its headers, and its payload
/// as a view of the receive buffer (valid only until that buffer is reused).
/// </summary>
/// <remarks>
/// <para>Wire format: total length (4 bytes, big-endian, the whole frame), headers length (4), prelude CRC (4, over the
/// first 8 bytes), the header block, the payload, and the message CRC (4, over everything before it). Both CRCs are the
/// IEEE CRC-32, computed with System.IO.Hashing's vectorized <see cref="Crc32"/>.</para>
/// <para>AWSSDK.Core's <see cref="EventStreamMessage.FromBuffer"/> does the same checks, but computes the CRCs a byte at a
/// time, copies the payload into a new array and fails its CRC check for frames not at offset 0 of their array; it was
/// most of the cost of reading enhanced fan-out. The header block is still decoded by AWSSDK.Core's
/// <see cref="EventStreamHeader.FromBuffer"/>, which reads at any offset.</para>
/// </remarks>
internal readonly ref struct EventStreamFrame
{
    /// <summary>Total length, headers length and prelude CRC.</summary>
    public const int PreludeSize = 12;

    /// <summary>A frame without headers or payload: the prelude and the message CRC.</summary>
    public const int MinimumSize = PreludeSize + 4;

    /// <summary>Largest frame accepted: an event holds at most 10 MiB of records, base64 and JSON add a third.</summary>
    public const int MaxSize = 16 * 1024 * 1024;

    private EventStreamFrame(Dictionary<string, IEventStreamHeader> headers, ReadOnlySpan<byte> payload)
    {
        Headers = headers;
        Payload = payload;
    }

    /// <summary>The headers by name.</summary>
    public Dictionary<string, IEventStreamHeader> Headers { get; }

    /// <summary>The payload, inside the buffer the frame was decoded from.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The value of a string header, or <see langword="null"/> when the frame has no such header.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var header) ? header.AsString() : null;

    /// <summary>
    /// Checks a frame's prelude (its first <see cref="PreludeSize"/> bytes) before the rest arrives, so a corrupt length is
    /// never waited for; returns the frame's total length.
    /// </summary>
    /// <exception cref="InvalidDataException">The prelude CRC does not match, or a length is out of range.</exception>
    public static int ReadPrelude(ReadOnlySpan<byte> prelude) => ReadPrelude(prelude, out _);

    /// <summary>Verifies the frame at <paramref name="offset"/> (both CRCs and every length) and decodes its headers.</summary>
    /// <param name="buffer">The receive buffer.</param>
    /// <param name="offset">Where the frame starts.</param>
    /// <param name="length">How many bytes the frame has (the length its prelude declares).</param>
    /// <exception cref="InvalidDataException">The frame is corrupt; the message says how.</exception>
    public static EventStreamFrame Decode(byte[] buffer, int offset, int length)
    {
        var frame = buffer.AsSpan(offset, length);
        var total = ReadPrelude(frame, out var headersLength);
        if (total != length)
        {
            throw new InvalidDataException($"The frame declares {total} bytes but {length} were given.");
        }

        var expected = BinaryPrimitives.ReadUInt32BigEndian(frame[^4..]);
        var actual = Crc32.HashToUInt32(frame[..^4]);
        if (expected != actual)
        {
            throw new InvalidDataException($"The message checksum is 0x{expected:X8} but the frame's bytes hash to 0x{actual:X8}.");
        }

        var headers = ReadHeaders(buffer, offset + PreludeSize, headersLength);
        return new EventStreamFrame(headers, frame[(PreludeSize + headersLength)..^4]);
    }

    private static int ReadPrelude(ReadOnlySpan<byte> frame, out int headersLength)
    {
        var total = BinaryPrimitives.ReadInt32BigEndian(frame);
        headersLength = BinaryPrimitives.ReadInt32BigEndian(frame[4..]);
        var expected = BinaryPrimitives.ReadUInt32BigEndian(frame[8..]);
        var preludeCrc = Crc32.HashToUInt32(frame[..8]);
        if (expected != preludeCrc)
        {
            throw new InvalidDataException($"The prelude checksum is 0x{expected:X8} but the prelude hashes to 0x{preludeCrc:X8}.");
        }

        if (total < MinimumSize || total > MaxSize)
        {
            throw new InvalidDataException($"The frame declares {total} bytes; frames have {MinimumSize} to {MaxSize}.");
        }

        if (headersLength < 0 || headersLength > total - MinimumSize)
        {
            throw new InvalidDataException($"The frame declares {headersLength} header bytes; a frame of {total} bytes has room for 0 to {total - MinimumSize}.");
        }

        return total;
    }

    private static Dictionary<string, IEventStreamHeader> ReadHeaders(byte[] buffer, int offset, int length)
    {
        var headers = new Dictionary<string, IEventStreamHeader>(4, StringComparer.Ordinal);
        var end = offset + length;
        var position = offset;
        while (position < end)
        {
            var start = position;
            EventStreamHeader header;
            try
            {
                header = EventStreamHeader.FromBuffer(buffer, position, ref position);
            }
            catch (Exception ex) when (ex is EventStreamParseException or ArgumentException or IndexOutOfRangeException)
            {
                throw new InvalidDataException($"A header at byte {start - offset + PreludeSize} cannot be read: {ex.Message}", ex);
            }

            // The CRCs matched, so a header that overruns its block was sent that way: reject rather than guess.
            if (position > end)
            {
                throw new InvalidDataException($"The header '{header.Name}' runs {position - end} bytes past the {length}-byte header block.");
            }

            if (!headers.TryAdd(header.Name, header))
            {
                throw new InvalidDataException($"The header '{header.Name}' appears twice.");
            }
        }

        return headers;
    }
}
