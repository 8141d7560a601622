using System.Buffers.Binary;
using Amazon.Runtime.EventStreams;
using Kinesis.Core.Api.EventStream;
using ThirdParty.Ionic.Zlib;

namespace Kinesis.Core.Tests.Api;

public sealed class EventStreamFrameTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(4096)]
    public void Decode_FrameAtOffset_MatchesAwsSdkDecoder(int offset)
    {
        var frame = EventStreamFrames.RecordsEvent("100", ("a", [1, 2, 3]), ("b", new byte[500]));
        var buffer = new byte[offset + frame.Length + 7];
        new Random(offset).NextBytes(buffer);
        frame.CopyTo(buffer, offset);
        var reference = EventStreamMessage.FromBuffer(frame, 0, frame.Length);

        var decoded = EventStreamFrame.Decode(buffer, offset, frame.Length);

        Assert.Equal(reference.Payload, decoded.Payload.ToArray());
        Assert.Equal(reference.Headers.Keys.Order(StringComparer.Ordinal), decoded.Headers.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, header) in reference.Headers)
        {
            Assert.Equal(header.AsString(), decoded.Header(name));
        }
    }

    [Fact]
    public void Decode_EveryPayloadLengthUpTo300_MatchesAwsSdkDecoder()
    {
        var random = new Random(300);
        for (var length = 0; length <= 300; length++)
        {
            var payload = new byte[length];
            random.NextBytes(payload);
            var frame = Frame(payload, (":message-type", "event"), (":event-type", "SubscribeToShardEvent"));
            var buffer = new byte[frame.Length + 3];
            frame.CopyTo(buffer, 3);

            var decoded = EventStreamFrame.Decode(buffer, 3, frame.Length);

            Assert.Equal(EventStreamMessage.FromBuffer(frame, 0, frame.Length).Payload, decoded.Payload.ToArray());
            Assert.Equal("event", decoded.Header(":message-type"));
        }
    }

    [Theory]
    [InlineData(65_536)]
    [InlineData(65_536 + 63)]
    [InlineData(1_048_576 + 17)]
    public void Decode_LargePayloadAtUnalignedOffset_MatchesAwsSdkDecoder(int length)
    {
        var payload = new byte[length];
        new Random(length).NextBytes(payload);
        var frame = Frame(payload, (":message-type", "event"));
        var buffer = new byte[frame.Length + 5];
        frame.CopyTo(buffer, 5);

        var decoded = EventStreamFrame.Decode(buffer, 5, frame.Length);

        Assert.Equal(EventStreamMessage.FromBuffer(frame, 0, frame.Length).Payload, decoded.Payload.ToArray());
        buffer[5 + (frame.Length / 2)] ^= 0x40;
        Assert.Contains("message checksum", Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(buffer, 5, frame.Length)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NoHeadersNoPayload_IsEmpty()
    {
        var frame = Frame([]);

        var decoded = EventStreamFrame.Decode(frame, 0, frame.Length);

        Assert.Equal(EventStreamFrame.MinimumSize, frame.Length);
        Assert.Empty(decoded.Headers);
        Assert.True(decoded.Payload.IsEmpty);
        Assert.Null(decoded.Header(":message-type"));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(11)]
    public void Decode_PreludeCrcCorrupt_ThrowsInvalidData(int index)
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1]));
        frame[index] ^= 0x01;

        var ex = Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(frame, 0, frame.Length));

        Assert.Contains("prelude checksum", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadPrelude_LengthCorrupt_ThrowsInvalidDataForTheCrc()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1]));
        frame[2] ^= 0x40;

        var ex = Assert.Throws<InvalidDataException>(() => EventStreamFrame.ReadPrelude(frame.AsSpan(0, EventStreamFrame.PreludeSize)));

        Assert.Contains("prelude checksum", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadPrelude_ValidFrame_ReturnsTotalLength()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1]));

        Assert.Equal(frame.Length, EventStreamFrame.ReadPrelude(frame.AsSpan(0, EventStreamFrame.PreludeSize)));
    }

    [Theory]
    [InlineData(12)]
    [InlineData(40)]
    [InlineData(-5)]
    [InlineData(-4)]
    [InlineData(-1)]
    public void Decode_ByteAfterPreludeCorrupt_ThrowsInvalidDataForMessageCrc(int index)
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1, 2, 3]));
        frame[index < 0 ? frame.Length + index : index] ^= 0x80;

        var ex = Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(frame, 0, frame.Length));

        Assert.Contains("message checksum", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_HeadersLengthLargerThanFrame_ThrowsInvalidData()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1]));
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), frame.Length - EventStreamFrame.MinimumSize + 1);
        Reseal(frame);

        var ex = Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(frame, 0, frame.Length));

        Assert.Contains("header bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NegativeHeadersLength_ThrowsInvalidData()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1]));
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), -1);
        Reseal(frame);

        Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(frame, 0, frame.Length));
    }

    [Fact]
    public void Decode_HeaderRunsPastHeaderBlock_ThrowsInvalidData()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1]));
        var headersLength = BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4));
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), headersLength - 3);
        Reseal(frame);

        var ex = Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(frame, 0, frame.Length));

        Assert.Contains("past the", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_UnknownHeaderType_ThrowsInvalidData()
    {
        var frame = Frame([1], (":message-type", "event"));

        // Byte 12 is the name length, then the name, then the type byte.
        frame[EventStreamFrame.PreludeSize + 1 + ":message-type".Length] = 42;
        Reseal(frame);

        var ex = Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(frame, 0, frame.Length));

        Assert.IsType<EventStreamParseException>(ex.InnerException);
    }

    [Fact]
    public void Decode_DuplicateHeader_ThrowsInvalidData()
    {
        var single = Frame([1], (":message-type", "event"));
        var headerBlock = single.AsSpan(EventStreamFrame.PreludeSize, single.Length - EventStreamFrame.MinimumSize - 1).ToArray();
        var frame = new byte[single.Length + headerBlock.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), headerBlock.Length * 2);
        headerBlock.CopyTo(frame, EventStreamFrame.PreludeSize);
        headerBlock.CopyTo(frame, EventStreamFrame.PreludeSize + headerBlock.Length);
        frame[^5] = 1;
        Reseal(frame);

        var ex = Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(frame, 0, frame.Length));

        Assert.Contains("twice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_LengthGivenDiffersFromDeclared_ThrowsInvalidData()
    {
        var frame = EventStreamFrames.Concat(EventStreamFrames.RecordsEvent("1"), new byte[8]);

        Assert.Throws<InvalidDataException>(() => EventStreamFrame.Decode(frame, 0, frame.Length));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(EventStreamFrame.MaxSize + 1)]
    public void ReadPrelude_TotalLengthOutOfRange_ThrowsInvalidData(int total)
    {
        var prelude = new byte[EventStreamFrame.PreludeSize];
        BinaryPrimitives.WriteInt32BigEndian(prelude, total);
        BinaryPrimitives.WriteUInt32BigEndian(prelude.AsSpan(8), AwsSdkCrc(prelude, 0, 8));

        var ex = Assert.Throws<InvalidDataException>(() => EventStreamFrame.ReadPrelude(prelude));

        Assert.Contains($"declares {total} bytes", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Rewrites both CRCs after an edit, with AWSSDK.Core's CRC, so only the edit itself can be rejected.</summary>
    private static void Reseal(byte[] frame)
    {
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), AwsSdkCrc(frame, 0, 8));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(frame.Length - 4), AwsSdkCrc(frame, 0, frame.Length - 4));
    }

    private static uint AwsSdkCrc(byte[] data, int offset, int length)
    {
        using var crc = new CrcCalculatorStream(Stream.Null);
        crc.Write(data, offset, length);
        return unchecked((uint)crc.Crc32);
    }

    private static byte[] Frame(byte[] payload, params (string Name, string Value)[] headers)
    {
        var list = new List<IEventStreamHeader>();
        foreach (var (name, value) in headers)
        {
            var header = new EventStreamHeader(name);
            header.SetString(value);
            list.Add(header);
        }

        return new EventStreamMessage(list, payload).ToByteArray();
    }
}
