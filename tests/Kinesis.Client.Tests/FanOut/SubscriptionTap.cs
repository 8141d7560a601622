using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime.EventStreams;

namespace Kinesis.Client.Tests.FanOut;

/// <summary>
/// A handler in the consumer's Kinesis pipeline that sees every SubscribeToShard response: it counts open subscriptions,
/// can end them after a number of event-stream frames (as the service does after five minutes), stall them, reset them,
/// or answer a subscription with constructed frames instead of calling the emulator.
/// </summary>
internal sealed class SubscriptionTap(HttpMessageHandler? inner = null)
    : DelegatingHandler(inner ?? new SocketsHttpHandler { InitialHttp2StreamWindowSize = Core.Api.KinesisApiClientOptions.SubscribeToShardStreamWindowSize })
{
    public const string EventStreamContentType = "application/vnd.amazon.eventstream";

    private readonly object gate = new();
    private readonly List<TappedStream> open = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string ShardId, string StartingPosition)> startingPositions = new();
    private int subscriptions;
    private int framesServed;

    /// <summary>End every subscription (cleanly, at a frame boundary) after this many frames; 0 = never.</summary>
    public int EndAfterFrames { get; set; }

    /// <summary>Stop passing data (without closing) after this many frames; 0 = never.</summary>
    public int StallAfterFrames { get; set; }

    /// <summary>Constructed frames for a shard's next subscription: return null to call the emulator.</summary>
    public Func<string, byte[]?>? Override { get; set; }

    public int Subscriptions => Volatile.Read(ref subscriptions);

    /// <summary>Each SubscribeToShard request's shard and StartingPosition (as JSON), in the order sent.</summary>
    public IReadOnlyList<(string ShardId, string StartingPosition)> StartingPositions => [.. startingPositions];

    /// <summary>Event-stream frames handed to the client so far.</summary>
    public int FramesServed => Volatile.Read(ref framesServed);

    public int OpenSubscriptions
    {
        get
        {
            lock (gate)
            {
                return open.Count;
            }
        }
    }

    /// <summary>Makes every open subscription fail as a dropped connection.</summary>
    public void ResetAll()
    {
        lock (gate)
        {
            foreach (var stream in open)
            {
                stream.Reset();
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.TryGetValues("X-Amz-Target", out var targets) || !targets.First().EndsWith(".SubscribeToShard", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        Interlocked.Increment(ref subscriptions);
        var body = await request.Content!.ReadAsStringAsync(cancellationToken);
        using var json = JsonDocument.Parse(body);
        var shardId = json.RootElement.GetProperty("ShardId").GetString()!;
        startingPositions.Enqueue((shardId, json.RootElement.GetProperty("StartingPosition").GetRawText()));
        if (Override?.Invoke(shardId) is { } frames)
        {
            var constructed = new StreamContent(Track(new MemoryStream(frames, writable: false)));
            constructed.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(EventStreamContentType);
            return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = constructed, Version = HttpVersion.Version20 };
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return response;
        }

        var original = response.Content;
        var replaced = new StreamContent(Track(await original.ReadAsStreamAsync(cancellationToken)));
        foreach (var header in original.Headers)
        {
            if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                replaced.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        response.Content = replaced;
        return response;
    }

    private TappedStream Track(Stream inner)
    {
        var stream = new TappedStream(inner, EndAfterFrames, StallAfterFrames, Untrack, () => Interlocked.Increment(ref framesServed));
        lock (gate)
        {
            open.Add(stream);
        }

        return stream;
    }

    private void Untrack(TappedStream stream)
    {
        lock (gate)
        {
            open.Remove(stream);
        }
    }

    /// <summary>Passes whole event-stream frames through, counting them.</summary>
    private sealed class TappedStream(Stream inner, int endAfter, int stallAfter, Action<TappedStream> closed, Action frameServed) : Stream
    {
        private readonly CancellationTokenSource disposed = new();
        private byte[] frame = [];
        private int offset;
        private int frames;
        private volatile bool reset;
        private int closedOnce;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Reset()
        {
            reset = true;
            disposed.Cancel();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposed.Token);
            try
            {
                if (offset == frame.Length)
                {
                    if ((endAfter > 0 && frames >= endAfter) || reset)
                    {
                        return reset ? throw new IOException("Injected fault: connection reset by peer.") : 0;
                    }

                    if (stallAfter > 0 && frames >= stallAfter)
                    {
                        await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token);
                    }

                    var prelude = new byte[4];
                    if (!await ReadFullyAsync(prelude, linked.Token))
                    {
                        return 0;
                    }

                    var total = BinaryPrimitives.ReadInt32BigEndian(prelude);
                    frame = new byte[total];
                    prelude.CopyTo(frame, 0);
                    if (!await ReadFullyAsync(frame.AsMemory(4), linked.Token))
                    {
                        throw new IOException("The emulator ended the stream inside a frame.");
                    }

                    offset = 0;
                    frames++;
                    frameServed();
                }

                var count = Math.Min(buffer.Length, frame.Length - offset);
                frame.AsMemory(offset, count).CopyTo(buffer);
                offset += count;
                return count;
            }
            catch (OperationCanceledException) when (reset)
            {
                throw new IOException("Injected fault: connection reset by peer.");
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Async only.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref closedOnce, 1) == 0)
            {
                disposed.Cancel();
                inner.Dispose();
                closed(this);
            }

            base.Dispose(disposing);
        }

        private async Task<bool> ReadFullyAsync(Memory<byte> target, CancellationToken cancellationToken)
        {
            var read = 0;
            while (read < target.Length)
            {
                var n = await inner.ReadAsync(target[read..], cancellationToken);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return true;
        }
    }
}

/// <summary>Builds SubscribeToShard event-stream frames with AWSSDK.Core's encoder.</summary>
internal static class EventStreamFrames
{
    public static byte[] Event(string json) =>
        Frame(json, (":message-type", "event"), (":event-type", "SubscribeToShardEvent"), (":content-type", "application/json"));

    /// <summary>The last event of a closed shard: no continuation sequence number, its children listed.</summary>
    public static byte[] ShardEndEvent(IEnumerable<Kinesis.Core.Api.Shard> children)
    {
        var body = new
        {
            Records = Array.Empty<object>(),
            MillisBehindLatest = 0,
            ChildShards = children.Select(c => new
            {
                c.ShardId,
                ParentShards = new[] { c.ParentShardId, c.AdjacentParentShardId }.Where(p => p is not null).ToArray(),
                HashKeyRange = new { StartingHashKey = Kinesis.Core.Hashing.HashKeys.Format(c.HashKeyRange.Start), EndingHashKey = Kinesis.Core.Hashing.HashKeys.Format(c.HashKeyRange.End) },
            }).ToArray(),
        };
        return Event(JsonSerializer.Serialize(body));
    }

    public static byte[] RecordsEvent(string continuation, IReadOnlyList<(string Key, byte[] Data)> records)
    {
        var items = string.Join(',', records.Select((r, i) =>
            $$"""{"SequenceNumber":"{{continuation}}{{i:D6}}","ApproximateArrivalTimestamp":1.7e9,"Data":"{{Convert.ToBase64String(r.Data)}}","PartitionKey":"{{r.Key}}"}"""));
        return Event($$"""{"Records":[{{items}}],"ContinuationSequenceNumber":"{{continuation}}999999","MillisBehindLatest":0}""");
    }

    private static byte[] Frame(string payload, params (string Name, string Value)[] headers)
    {
        var list = new List<IEventStreamHeader>();
        foreach (var (name, value) in headers)
        {
            var header = new EventStreamHeader(name);
            header.SetString(value);
            list.Add(header);
        }

        return new EventStreamMessage(list, Encoding.UTF8.GetBytes(payload)).ToByteArray();
    }
}
