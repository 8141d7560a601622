using System.Collections.Concurrent;
using System.Text;
using Kinesis.Client.Tests.Consumer;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Tests.MultiStream;

/// <summary>Two or more streams on kinesis-local behind one application's lease table on dynalite.</summary>
internal sealed class MultiStreamTestEnvironment : IAsyncDisposable
{
    private readonly List<KinesisConsumer> consumers = [];

    public MultiStreamTestEnvironment(LocalAwsFixture fixture)
    {
        Base = new ConsumerTestEnvironment(fixture);
    }

    public ConsumerTestEnvironment Base { get; }

    public List<string> Streams { get; } = [];

    public ConcurrentQueue<StreamDelivery> Deliveries { get; } = new();

    public ConcurrentQueue<(string? Stream, string ShardId)> LeasesLost { get; } = new();

    /// <summary>The stream and shard each processor was created for, as the factory was told.</summary>
    public ConcurrentQueue<(string? Stream, string ShardId)> Created { get; } = new();

    public async Task<string> CreateStreamAsync(string prefix, int shards)
    {
        var name = LocalAwsFixture.UniqueName(prefix);
        await Base.Kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = name, ShardCount = shards });
        await Base.Kinesis.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(60));
        Streams.Add(name);
        return name;
    }

    public async Task<StreamDescriptionSummary> DescribeAsync(string stream) =>
        (await Base.Kinesis.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream })).StreamDescriptionSummary;

    /// <summary>Puts "STREAM|key-k|n" for keys 0..keys-1 and n = first..first+count-1.</summary>
    public async Task<List<string>> PutAsync(string stream, int keys, int first, int count)
    {
        var payloads = new List<string>();
        var entries = new List<PutRecordsRequestEntry>();
        for (var n = first; n < first + count; n++)
        {
            for (var k = 0; k < keys; k++)
            {
                var payload = $"{stream}|key-{k}|{n}";
                payloads.Add(payload);
                entries.Add(new PutRecordsRequestEntry { PartitionKey = $"key-{k}", Data = Encoding.UTF8.GetBytes(payload) });
            }
        }

        foreach (var chunk in entries.Chunk(250))
        {
            var response = await Base.Kinesis.PutRecordsAsync(new PutRecordsRequest { StreamName = stream, Records = chunk });
            Assert.Equal(0, response.FailedRecordCount);
        }

        return payloads;
    }

    /// <summary>Runs before every batch a processor gets, with the shard id (to slow one shard down); none by default.</summary>
    public Func<string, Task>? BeforeBatch { get; set; }

    public KinesisConsumer CreateConsumer(string workerId, Action<KinesisConsumerOptions> configure)
    {
        var options = Base.CreateOptions(workerId);
        options.StreamName = null;
        options.MultiStream.StreamSyncInterval = TimeSpan.FromMilliseconds(300);
        configure(options);
        var consumer = new KinesisConsumer(
            options,
            (stream, shardId) =>
            {
                Created.Enqueue((stream?.StreamName, shardId));
                return new StreamRecordingProcessor(workerId, Deliveries, LeasesLost, BeforeBatch);
            },
            NullLoggerFactory.Instance);
        consumers.Add(consumer);
        return consumer;
    }

    public HashSet<string> DeliveredPayloads() => Deliveries.Select(d => d.Payload).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every payload put to a stream starts with the stream's name; the processor must have been told that stream.</summary>
    public void AssertEachRecordCameWithItsStream() =>
        Assert.All(Deliveries, d => Assert.Equal(d.Payload[..d.Payload.IndexOf('|', StringComparison.Ordinal)], d.StreamName));

    /// <summary>Per stream and partition key, payload numbers never go backwards.</summary>
    public void AssertPerKeyOrder()
    {
        foreach (var group in Deliveries.GroupBy(d => (d.StreamName, d.PartitionKey)))
        {
            var numbers = group.Select(d => int.Parse(d.Payload[(d.Payload.LastIndexOf('|') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            for (var i = 1; i < numbers.Count; i++)
            {
                Assert.True(numbers[i] >= numbers[i - 1] || numbers[..i].Contains(numbers[i]), $"{group.Key}: {numbers[i]} after {numbers[i - 1]}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var consumer in consumers)
        {
            await consumer.DisposeAsync();
        }

        foreach (var stream in Streams)
        {
            try
            {
                await Base.Kinesis.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream });
            }
            catch (KinesisApiException)
            {
                // Best effort; the emulator is discarded with the fixture anyway.
            }
        }

        await Base.DisposeAsync();
    }
}
