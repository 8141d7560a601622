using Amazon.Runtime;
using BenchmarkDotNet.Attributes;
using Kinesis.Core.Metrics;
using Kinesis.Producer;

namespace Kinesis.Benchmarks.Producer;

/// <summary>
/// The producer's whole in-process pipeline — validation, hashing, shard prediction, aggregation,
/// collection, rate limiting, PutRecords serialization and signing, response handling — with the network
/// replaced by <see cref="InMemoryKinesisHandler"/>. One operation is one user record.
/// </summary>
[MemoryDiagnoser]
public class ProducerPipelineBenchmarks
{
    private const int RecordsPerInvoke = 200_000;
    private const string Stream = "bench";

    private KinesisProducer producer = null!;
    private byte[] payload = null!;
    private string[] keys = null!;
    private Task<UserRecordResult>[] tasks = null!;

    /// <summary>User record size in bytes.</summary>
    [Params(100, 1024)]
    public int RecordSize { get; set; }

    /// <summary>Whether the CloudWatch aggregator listens at detailed level and shard granularity (the KPL's default and most expensive setting).</summary>
    [Params(false, true)]
    public bool DetailedShardMetrics { get; set; }

    /// <summary>Builds a producer over the in-memory sink and warms its shard map.</summary>
    [GlobalSetup]
    public async Task Setup()
    {
        payload = new byte[RecordSize];
        Random.Shared.NextBytes(payload);
        keys = [.. Enumerable.Range(0, 10_000).Select(i => $"partition-key-{i:D8}")];
        tasks = new Task<UserRecordResult>[RecordsPerInvoke];
        producer = CreateProducer(RecordsPerInvoke, DetailedShardMetrics);
        await producer.PutAsync(Stream, "warm-up", payload).ConfigureAwait(false);
    }

    /// <summary>A producer over the in-memory sink (16 shards), optionally with the CloudWatch aggregator listening at detailed level and shard granularity.</summary>
    internal static KinesisProducer CreateProducer(int maxOutstandingRecords, bool detailedShardMetrics, Action<KinesisProducerOptions>? configure = null)
    {
        var options = new KinesisProducerOptions
        {
            Region = "us-east-1",
            ServiceUrl = new Uri("http://127.0.0.1:1/"),
            Credentials = new BasicAWSCredentials("AKIDBENCH", "secret"),
            HttpMessageHandler = new InMemoryKinesisHandler(shardCount: 16),

            // The rate limiter models a real shard's throughput; the benchmark measures the client's CPU cost.
            RateLimit = 100_000,
            MaxOutstandingRecords = maxOutstandingRecords,
            MaxOutstandingBytes = 1L << 32,
            Metrics = new CloudWatchMetricsOptions
            {
                Enabled = detailedShardMetrics,
                ServiceUrl = new Uri("http://127.0.0.1:1/"),
                Level = MetricsLevel.Detailed,
                Granularity = MetricsGranularity.Shard,
            },
        };
        configure?.Invoke(options);
        return new KinesisProducer(options);
    }

    /// <summary>Disposes the producer.</summary>
    [GlobalCleanup]
    public async Task Cleanup() => await producer.DisposeAsync().ConfigureAwait(false);

    /// <summary>Puts <see cref="RecordsPerInvoke"/> user records and waits until all are acknowledged.</summary>
    [Benchmark(OperationsPerInvoke = RecordsPerInvoke)]
    public async Task PutAndFlush()
    {
        for (var i = 0; i < RecordsPerInvoke; i++)
        {
            tasks[i] = producer.PutAsync(Stream, keys[i % keys.Length], payload);
        }

        await producer.FlushAsync().ConfigureAwait(false);
    }
}
