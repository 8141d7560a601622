using System.Buffers.Binary;
using System.Net;
using Kinesis.Core.Api;
using Kinesis.Core.Api.EventStream;
using Kinesis.Testing;

namespace Kinesis.Core.Tests.Api;

public sealed class SubscribeToShardEventReaderTests
{
    [Theory(Timeout = TestTimeouts.Unit)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public async Task ReadAsync_FramesSplitAcrossReads_YieldsEveryEventInOrder(int chunkSize)
    {
        var body = EventStreamFrames.Concat(
            EventStreamFrames.Event("{}", "initial-response"),
            EventStreamFrames.RecordsEvent("100", ("a", [1, 2, 3])),
            EventStreamFrames.RecordsEvent("200"),
            EventStreamFrames.RecordsEvent("300", ("b", new byte[70_000]), ("c", [9])));

        var events = await ReadAllAsync(new ChunkedStream(body, chunkSize));

        Assert.Equal(["100", "200", "300"], events.Select(e => e.ContinuationSequenceNumber));
        Assert.Equal([1, 0, 2], events.Select(e => e.Records.Count));
        Assert.Equal(new byte[] { 1, 2, 3 }, events[0].Records[0].Data.ToArray());
        Assert.Equal(70_000, events[2].Records[0].Data.Length);
        Assert.Equal("c", events[2].Records[1].PartitionKey);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_TwoSmallFramesSplitAtEveryByte_YieldsBothEvents()
    {
        var body = EventStreamFrames.Concat(EventStreamFrames.RecordsEvent("1", ("a", [1])), EventStreamFrames.RecordsEvent("2", ("b", [2, 2])));

        for (var split = 1; split < body.Length; split++)
        {
            var events = await ReadAllAsync(new SplitStream(body, split));

            Assert.Equal(["1", "2"], events.Select(e => e.ContinuationSequenceNumber));
            Assert.Equal(new byte[] { 2, 2 }, events[1].Records[0].Data.ToArray());
        }
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_LargeFrameAmongSmallOnesSplitAtEveryFrameEdgeAndBufferEdge_YieldsEveryEvent()
    {
        // A frame larger than the reader's first 64 KiB buffer between small ones: the second read of each split then
        // holds the end of one frame and several whole frames.
        var frames = new[]
        {
            EventStreamFrames.RecordsEvent("1", ("a", [1])),
            EventStreamFrames.RecordsEvent("2", ("b", Enumerable.Range(0, 150_000).Select(i => (byte)i).ToArray())),
            EventStreamFrames.RecordsEvent("3", ("c", [3])),
            EventStreamFrames.RecordsEvent("4", ("d", [4, 4])),
        };
        var body = EventStreamFrames.Concat(frames);
        var splits = new SortedSet<int>();
        var edge = 0;
        foreach (var frame in frames)
        {
            for (var d = -EventStreamFrame.PreludeSize - 2; d <= EventStreamFrame.PreludeSize + 2; d++)
            {
                splits.Add(edge + d);
            }

            edge += frame.Length;
        }

        for (var d = -20; d <= 20; d++)
        {
            splits.Add((64 * 1024) + d);
            splits.Add((128 * 1024) + d);
        }

        foreach (var split in splits.Where(s => s > 0 && s < body.Length))
        {
            var events = await ReadAllAsync(new SplitStream(body, split));

            Assert.Equal(["1", "2", "3", "4"], events.Select(e => e.ContinuationSequenceNumber));
            Assert.Equal(150_000, events[1].Records[0].Data.Length);
            Assert.Equal((byte)(149_999 % 256), events[1].Records[0].Data.Span[^1]);
            Assert.Equal(new byte[] { 4, 4 }, events[3].Records[0].Data.ToArray());
        }
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_ReadsOfRandomSizesOverManyFrames_YieldsEveryEventInOrder()
    {
        var random = new Random(14);
        var frames = Enumerable.Range(0, 60).Select(i => EventStreamFrames.RecordsEvent($"{i}", ("k", Enumerable.Repeat((byte)i, random.Next(0, 40_000)).ToArray()))).ToArray();

        var events = await ReadAllAsync(new RandomChunkStream(EventStreamFrames.Concat(frames), new Random(15)));

        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"{i}"), events.Select(e => e.ContinuationSequenceNumber));
        for (var i = 0; i < frames.Length; i++)
        {
            Assert.All(events[i].Records[0].Data.ToArray(), b => Assert.Equal((byte)i, b));
        }
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_SeveralFramesInOneRead_YieldsEveryEventInOrder()
    {
        var body = EventStreamFrames.Concat(Enumerable.Range(0, 20).Select(i => EventStreamFrames.RecordsEvent($"{i}", ("k", [(byte)i]))).ToArray());

        var events = await ReadAllAsync(new ChunkedStream(body, body.Length));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{i}"), events.Select(e => e.ContinuationSequenceNumber));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_ManyFramesThroughOneBuffer_RecordsOwnTheirData()
    {
        var frames = Enumerable.Range(0, 200).Select(i => EventStreamFrames.RecordsEvent($"{i}", ("k", Enumerable.Repeat((byte)i, 1000).ToArray()))).ToArray();

        var events = await ReadAllAsync(new ChunkedStream(EventStreamFrames.Concat(frames), 4096));

        for (var i = 0; i < frames.Length; i++)
        {
            Assert.All(events[i].Records[0].Data.ToArray(), b => Assert.Equal((byte)i, b));
        }
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_PreludeCrcCorrupt_ThrowsMalformedBeforeTheFrameArrives()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1, 2, 3]));
        frame[9] ^= 0x10;

        // Only the prelude is sent: a reader trusting the length would report a truncated frame instead.
        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(frame[..EventStreamFrame.PreludeSize])));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
        Assert.Contains("prelude checksum", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_MessageCrcCorrupt_ThrowsMalformedResponse()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1, 2, 3]));
        frame[^1] ^= 0x01;

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(EventStreamFrames.Concat(EventStreamFrames.RecordsEvent("0"), frame))));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
        Assert.Contains("message checksum", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_HeadersLengthLargerThanFrame_ThrowsMalformedResponse()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1]));
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), frame.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), System.IO.Hashing.Crc32.HashToUInt32(frame.AsSpan(0, 8)));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(frame.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(frame.AsSpan(0, frame.Length - 4)));

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(frame)));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
        Assert.Contains("header bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_EmptyBody_CompletesWithoutEvents()
    {
        Assert.Empty(await ReadAllAsync(new MemoryStream()));
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_ExceptionFrame_ThrowsServiceErrorWithType()
    {
        var body = EventStreamFrames.Concat(EventStreamFrames.RecordsEvent("1"), EventStreamFrames.Exception("ResourceInUseException", "busy"));

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(body)));

        Assert.Equal(KinesisErrorKind.Service, ex.Kind);
        Assert.Equal(KinesisErrorCodes.ResourceInUse, ex.ErrorCode);
        Assert.Contains("busy", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_ThrottlingExceptionFrame_IsThrottlingAndRetryable()
    {
        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(EventStreamFrames.Exception("KMSThrottlingException", "slow down"))));

        Assert.True(ex.IsThrottling);
        Assert.True(ex.IsRetryable);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_BodyEndsInsideFrame_ThrowsMalformedResponse()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1, 2, 3]));

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(frame[..^5])));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_PayloadByteFlipped_ThrowsMalformedResponseForCrc()
    {
        var frame = EventStreamFrames.RecordsEvent("1", ("k", [1, 2, 3]));
        frame[^10] ^= 0xFF;

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(frame)));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
        Assert.Equal(KinesisErrorCodes.MalformedResponse, ex.ErrorCode);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_AbsurdFrameLength_ThrowsMalformedResponseWithoutAllocating()
    {
        var frame = EventStreamFrames.RecordsEvent("1");
        frame[0] = 0x7F;

        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(frame)));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_ConnectionResetMidStream_ThrowsNetworkAfterEarlierEvents()
    {
        var first = EventStreamFrames.RecordsEvent("1", ("k", [1]));
        var body = EventStreamFrames.Concat(first, EventStreamFrames.RecordsEvent("2", ("k", [2])));
        var received = new List<SubscribeToShardEvent>();

        var ex = await Assert.ThrowsAsync<KinesisApiException>(async () =>
        {
            await foreach (var e in SubscribeToShardEventReader.ReadAsync(Response(Fault.ResettingStream(body, first.Length + 10)), CancellationToken.None))
            {
                received.Add(e);
            }
        });

        Assert.Equal(KinesisErrorKind.Network, ex.Kind);
        Assert.True(ex.IsRetryable);
        Assert.Single(received);
    }

    [Fact(Timeout = TestTimeouts.Unit)]
    public async Task ReadAsync_MalformedEventJson_ThrowsMalformedResponse()
    {
        var ex = await Assert.ThrowsAsync<KinesisApiException>(() => ReadAllAsync(new MemoryStream(EventStreamFrames.Event("""{"Records":[{"Data":5}]}"""))));

        Assert.Equal(KinesisErrorKind.MalformedResponse, ex.Kind);
    }

    private static async Task<List<SubscribeToShardEvent>> ReadAllAsync(Stream body)
    {
        var events = new List<SubscribeToShardEvent>();
        await foreach (var e in SubscribeToShardEventReader.ReadAsync(Response(body), CancellationToken.None))
        {
            events.Add(e);
        }

        return events;
    }

    private static HttpResponseMessage Response(Stream body) => new(HttpStatusCode.OK) { Content = new StreamContent(body) };

    /// <summary>Returns the first <c>split</c> bytes in one read and the rest in the next.</summary>
    private sealed class SplitStream(byte[] data, int split) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(Position < split ? buffer[..Math.Min(buffer.Length, split - (int)Position)] : buffer, cancellationToken);
    }

    /// <summary>Returns 1 byte to 100 KB per read, at random: frames split anywhere, several frames in one read.</summary>
    private sealed class RandomChunkStream(byte[] data, Random random) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, random.Next(1, 100_000))], cancellationToken);
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, as a network stream may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
