using System.Buffers.Binary;
using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.EventStreams;
using BenchmarkDotNet.Attributes;
using Kinesis.Client;
using Kinesis.Client.Diagnostics;
using Kinesis.Client.Lifecycle;
using Kinesis.Client.Retrieval;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Core.Api.EventStream;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Benchmarks.Client;

/// <summary>
/// The enhanced fan-out path without a network: SubscribeToShard answered from memory with pre-built event-stream frames
/// (events of 1,000 user records of 100 bytes, the last one ending the shard), read by the <see cref="FanOutRecordsPublisher"/>
/// (request signing, HTTP pipeline, frame decoding with CRC checks, JSON and base64 parsing, the bounded event queue) and
/// dispatched by the <see cref="RecordBatchProcessor"/> to a no-op processor. The Aggregated variants carry what the producer
/// sends: each Kinesis record a KPL aggregate of 100-byte user records, so their figures include deaggregation.
/// </summary>
/// <remarks>
/// Every figure is per user record. Reading and dispatching run on two threads (the publisher's loop and the consumer), so
/// on a multi-core machine the SubscribeAndDispatch figures are wall time of a pipeline. For CPU time per record, pin the
/// process to one core (<c>taskset -c 0</c>) and set <c>DOTNET_TC_CallCountingDelayMs=0</c>: a process that sees one
/// processor otherwise keeps running much of this path as unoptimised tier-0 code, about twice as slow.
/// </remarks>
[MemoryDiagnoser]
public class FanOutPathBenchmarks
{
    private const int RecordsPerEvent = 1000;
    private const int Events = 50;
    private const int AggregatedEvents = 10;
    private const int AggregatesPerEvent = 10;
    private const int UserRecordsPerAggregate = 350;
    private const int AggregatedUserRecords = AggregatedEvents * AggregatesPerEvent * UserRecordsPerAggregate;
    private byte[] manyEvents = null!;
    private byte[] aggregatedEvents = null!;
    private byte[] oneEvent = null!;
    private KinesisApiClient api = null!;
    private FanOutConsumerRegistration registration = null!;
    private KinesisConsumerOptions options = null!;
    private InMemorySubscriptions handler = null!;

    /// <summary>Builds the frames and the client.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var userData = Enumerable.Repeat((byte)'x', 100).ToArray();
        manyEvents = BuildStream(Events, RecordsPerEvent, i => ($"partition-key-{i % RecordsPerEvent}", userData));
        oneEvent = BuildStream(1, 1, _ => ("partition-key-0", userData));
        var aggregate = BuildAggregate(userData);
        aggregatedEvents = BuildStream(AggregatedEvents, AggregatesPerEvent, _ => (AggregatedRecordFormat.AggregatePartitionKey, aggregate));
        handler = new InMemorySubscriptions();
        options = new KinesisConsumerOptions
        {
            ApplicationName = "bench-app",
            StreamName = "bench-stream",
            Retrieval = RetrievalMode.FanOut,
            FanOut = { ConsumerArn = "arn:aws:kinesis:us-east-1:000000000000:stream/bench-stream/consumer/bench-app:1" },
            Kinesis = new KinesisApiClientOptions
            {
                Region = "us-east-1",
                ServiceUrl = new Uri("http://127.0.0.1:4567/"),
                Credentials = new BasicAWSCredentials("AKIDBENCH", "bench-secret"),
                HttpHandler = handler,
            },
        };
        api = new KinesisApiClient(options.Kinesis);
        registration = new FanOutConsumerRegistration(api, StreamAddress.ForName(options.StreamName), options.ApplicationName, options.FanOut, TimeProvider.System, NullLogger.Instance);
    }

    /// <summary>Disposes the client.</summary>
    [GlobalCleanup]
    public void Cleanup() => api.Dispose();

    /// <summary>One subscription delivering 50 events of 1,000 records each to the processor; time per user record.</summary>
    [Benchmark(OperationsPerInvoke = Events * RecordsPerEvent)]
    public Task<int> SubscribeAndDispatch() => RunAsync(manyEvents);

    /// <summary>One subscription delivering 10 events of 10 KPL aggregates of 350 user records each to the processor; time per user record.</summary>
    [Benchmark(OperationsPerInvoke = AggregatedUserRecords)]
    public Task<int> SubscribeAndDispatchAggregated() => RunAsync(aggregatedEvents);

    /// <summary>The same subscription read straight from <see cref="KinesisApiClient.SubscribeToShardAsync"/> (frame decoding and JSON parsing only, no queue, no dispatch); time per user record.</summary>
    [Benchmark(OperationsPerInvoke = Events * RecordsPerEvent)]
    public Task<int> DecodeOnly() => DecodeAsync(manyEvents);

    /// <summary><see cref="DecodeOnly"/> over the aggregated events (no deaggregation); time per user record.</summary>
    [Benchmark(OperationsPerInvoke = AggregatedUserRecords)]
    public Task<int> DecodeOnlyAggregated() => DecodeAsync(aggregatedEvents);

    /// <summary>AWSSDK.Core's <see cref="EventStreamMessage.FromBuffer"/> over the same frames (prelude and message CRCs, payload copy), without JSON; time per user record.</summary>
    [Benchmark(OperationsPerInvoke = Events * RecordsPerEvent)]
    public int FrameDecodeOnly() => SumPayloads(manyEvents, static (frames, offset, length) =>
    {
        // Copied to offset 0: FromBuffer fails its CRC check at a non-zero offset.
        var frame = offset == 0 ? frames : frames[offset..(offset + length)];
        return EventStreamMessage.FromBuffer(frame, 0, length).Payload.Length;
    });

    /// <summary>The reader's own frame decoder (<see cref="EventStreamFrame"/>: both CRCs, headers, payload left in place) over the same frames; time per user record.</summary>
    [Benchmark(OperationsPerInvoke = Events * RecordsPerEvent)]
    public int OurFrameDecode() => SumPayloads(manyEvents, static (frames, offset, length) => EventStreamFrame.Decode(frames, offset, length).Payload.Length);

    /// <summary>
    /// One subscription with a single one-record event, from the request to the processor call: an upper bound of the
    /// time from bytes received to the processor (it includes signing and sending the request).
    /// </summary>
    [Benchmark]
    public Task<int> OneEventToProcessor() => RunAsync(oneEvent);

    private static int SumPayloads(byte[] frames, Func<byte[], int, int, int> payloadLength)
    {
        var offset = 0;
        var payloadBytes = 0;
        while (offset < frames.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(frames.AsSpan(offset));
            payloadBytes += payloadLength(frames, offset, length);
            offset += length;
        }

        return payloadBytes;
    }

    private static byte[] BuildAggregate(byte[] userData)
    {
        using var aggregator = new RecordAggregator(RecordAggregator.DefaultMaxSize, UserRecordsPerAggregate);
        for (var i = 0; i < UserRecordsPerAggregate; i++)
        {
            if (!aggregator.TryAdd($"partition-key-{i}", userData))
            {
                throw new InvalidOperationException($"Only {i} user records fit in an aggregate.");
            }
        }

        var aggregate = new byte[aggregator.EncodedSize];
        aggregator.Encode(aggregate);
        return aggregate;
    }

    private static byte[] BuildStream(int events, int recordsPerEvent, Func<int, (string PartitionKey, byte[] Data)> record)
    {
        var stream = new MemoryStream();
        for (var e = 0; e < events; e++)
        {
            var json = new StringBuilder("{\"Records\":[");
            for (var i = 0; i < recordsPerEvent; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }

                var (partitionKey, data) = record((e * recordsPerEvent) + i);
                json.Append("{\"SequenceNumber\":\"49590164780909190438668290764367815418298305820491").Append((e * recordsPerEvent) + i + 100_000_000)
                    .Append("\",\"ApproximateArrivalTimestamp\":1.7e9,\"Data\":\"").Append(Convert.ToBase64String(data)).Append("\",\"PartitionKey\":\"").Append(partitionKey).Append("\"}");
            }

            json.Append("],\"MillisBehindLatest\":0");
            json.Append(e == events - 1 ? ",\"ChildShards\":[]}" : ",\"ContinuationSequenceNumber\":\"49590164780909190438668290764367815418298305820491" + (((e + 1) * recordsPerEvent) + 100_000_000 - 1) + "\"}");
            var headers = new List<IEventStreamHeader>();
            foreach (var (name, value) in new[] { (":message-type", "event"), (":event-type", "SubscribeToShardEvent"), (":content-type", "application/json") })
            {
                var header = new EventStreamHeader(name);
                header.SetString(value);
                headers.Add(header);
            }

            var frame = new EventStreamMessage(headers, Encoding.UTF8.GetBytes(json.ToString())).ToByteArray();
            stream.Write(frame);
        }

        return stream.ToArray();
    }

    private async Task<int> DecodeAsync(byte[] body)
    {
        handler.Body = body;
        var request = new SubscribeToShardRequest { ConsumerARN = options.FanOut.ConsumerArn!, ShardId = "shardId-000000000000", StartingPosition = new StartingPosition { Type = ShardIteratorType.TrimHorizon } };
        var records = 0;
        await foreach (var subscribeEvent in api.SubscribeToShardAsync(request).ConfigureAwait(false))
        {
            records += subscribeEvent.Records.Count;
        }

        return records;
    }

    private async Task<int> RunAsync(byte[] body)
    {
        handler.Body = body;
        var checkpointer = new RecordProcessorCheckpointer("shardId-000000000000", null, Guid.NewGuid(), ExtendedSequenceNumber.TrimHorizon);
        var dispatcher = new RecordBatchProcessor("shardId-000000000000", NoOpProcessor.Instance, checkpointer, new Deaggregator(), null, ExtendedSequenceNumber.TrimHorizon, options, new ConsumerCounters(), NullLogger.Instance);
        await using var publisher = new FanOutRecordsPublisher(api, registration, StreamAddress.ForName(options.StreamName!), "shardId-000000000000", ExtendedSequenceNumber.TrimHorizon, options, new ConsumerCounters(), NullLogger.Instance);
        publisher.Start();
        var delivered = 0;
        while (true)
        {
            var batch = await publisher.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            var records = dispatcher.Prepare(batch);
            if (records is not null)
            {
                await dispatcher.DeliverAsync(records, batch, CancellationToken.None, CancellationToken.None).ConfigureAwait(false);
                delivered += records.Count;
            }

            if (batch.IsShardEnd)
            {
                return delivered;
            }
        }
    }

    private sealed class InMemorySubscriptions : HttpMessageHandler
    {
        public byte[] Body { get; set; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(Body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.amazon.eventstream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = content, Version = HttpVersion.Version20 });
        }
    }

    private sealed class NoOpProcessor : IShardRecordProcessor
    {
        public static readonly NoOpProcessor Instance = new();

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
