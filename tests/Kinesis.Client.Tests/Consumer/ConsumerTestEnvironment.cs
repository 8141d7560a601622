using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Kinesis.Client.Leases;
using Kinesis.Client.Tests.Leases;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>A stream on kinesis-local and a lease table on dynalite, unique per test, with short KCL timings.</summary>
internal sealed class ConsumerTestEnvironment : IAsyncDisposable
{
    public static readonly TimeSpan FailoverTime = TimeSpan.FromMilliseconds(1500);

    private readonly LocalAwsFixture fixture;
    private readonly List<KinesisConsumer> consumers = [];

    public ConsumerTestEnvironment(LocalAwsFixture fixture)
    {
        this.fixture = fixture;
        DynamoDbHandler = new DynamoDbTestHandler();
        var config = new AmazonDynamoDBConfig
        {
            ServiceURL = fixture.DynaliteEndpoint.ToString(),
            AuthenticationRegion = LocalAwsServices.Region,
            MaxErrorRetry = 0,
            HttpClientFactory = new HandlerHttpClientFactory(DynamoDbHandler),
        };
        DynamoDb = new AmazonDynamoDBClient(new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey), config);
        Kinesis = new KinesisApiClient(KinesisOptions(null));
        StreamName = LocalAwsFixture.UniqueName("cons");
        ApplicationName = LocalAwsFixture.UniqueName("app");
    }

    public DynamoDbTestHandler DynamoDbHandler { get; }

    public AmazonDynamoDBClient DynamoDb { get; }

    public KinesisApiClient Kinesis { get; }

    public string StreamName { get; }

    public string ApplicationName { get; }

    public ConcurrentQueue<Delivery> Deliveries { get; } = new();

    public KinesisApiClientOptions KinesisOptions(HttpMessageHandler? handler) => new()
    {
        Region = LocalAwsServices.Region,
        ServiceUrl = fixture.KinesisLocalEndpoint,
        Credentials = new BasicAWSCredentials(LocalAwsServices.AccessKeyId, LocalAwsServices.SecretAccessKey),
        HttpHandler = handler,
    };

    public KinesisConsumerOptions CreateOptions(string workerId, HttpMessageHandler? kinesisHandler = null) => new()
    {
        ApplicationName = ApplicationName,
        StreamName = StreamName,
        WorkerId = workerId,
        InitialPosition = InitialPositionInStream.TrimHorizon,
        IdleTimeBetweenReads = TimeSpan.FromMilliseconds(150),
        ShardSyncInterval = TimeSpan.FromSeconds(1),
        ParentShardPollInterval = TimeSpan.FromMilliseconds(200),
        ProcessorRetryBaseDelay = TimeSpan.FromMilliseconds(20),
        ProcessorRetryMaxDelay = TimeSpan.FromMilliseconds(200),
        GetRecordsRetryBaseDelay = TimeSpan.FromMilliseconds(20),
        GetRecordsRetryMaxDelay = TimeSpan.FromMilliseconds(200),
        ShutdownTimeout = TimeSpan.FromSeconds(10),
        Leases = new LeaseManagementOptions
        {
            FailoverTime = FailoverTime,
            TakerInterval = TimeSpan.FromMilliseconds(500),
            TableActivePollInterval = TimeSpan.FromMilliseconds(20),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryAttempts = 8,
        },
        Kinesis = KinesisOptions(kinesisHandler),
        DynamoDbClient = DynamoDb,
    };

    public KinesisConsumer CreateConsumer(string workerId, Func<string, IShardRecordProcessor>? factory = null, Action<KinesisConsumerOptions>? configure = null, HttpMessageHandler? kinesisHandler = null)
    {
        var options = CreateOptions(workerId, kinesisHandler);
        configure?.Invoke(options);
        var consumer = new KinesisConsumer(options, factory ?? (_ => new RecordingProcessor(workerId, Deliveries)), NullLoggerFactory.Instance);
        consumers.Add(consumer);
        return consumer;
    }

    public async Task CreateStreamAsync(int shards)
    {
        await Kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = StreamName, ShardCount = shards });
        await Kinesis.WaitForStreamActiveAsync(StreamName, TimeSpan.FromSeconds(60));
    }

    /// <summary>Puts raw records "key-i:n" for keys 0..keys-1, n = first..first+count-1, in order per key.</summary>
    public async Task<List<string>> PutRawAsync(int keys, int first, int count)
    {
        var payloads = new List<string>();
        var batch = new List<PutRecordsRequestEntry>();
        for (var n = first; n < first + count; n++)
        {
            for (var k = 0; k < keys; k++)
            {
                var payload = $"key-{k}:{n}";
                payloads.Add(payload);
                batch.Add(new PutRecordsRequestEntry { PartitionKey = $"key-{k}", Data = Encoding.UTF8.GetBytes(payload) });
                if (batch.Count == 250)
                {
                    await PutOrderedAsync(batch);
                }
            }
        }

        await PutOrderedAsync(batch);
        return payloads;
    }

    /// <summary>Puts one KPL aggregate of "agg-{tag}-i" user records with partition keys "akey-i".</summary>
    public async Task<List<string>> PutAggregateAsync(string tag, int userRecords)
    {
        using var aggregator = new RecordAggregator(RecordAggregator.MaxMaxSize);
        var payloads = new List<string>();
        for (var i = 0; i < userRecords; i++)
        {
            var payload = $"agg-{tag}-{i}";
            payloads.Add(payload);
            Assert.True(aggregator.TryAdd($"akey-{i}", Encoding.UTF8.GetBytes(payload)));
        }

        var buffer = new ArrayBufferWriter<byte>();
        var info = aggregator.Encode(buffer);
        await Kinesis.PutRecordAsync(new PutRecordRequest
        {
            StreamName = StreamName,
            PartitionKey = info.PartitionKey,
            ExplicitHashKey = info.ExplicitHashKey.ToString(),
            Data = buffer.WrittenMemory.ToArray(),
        });
        return payloads;
    }

    public async Task<IReadOnlyList<Lease>> ListLeasesAsync()
    {
        var refresher = new DynamoDbLeaseRefresher(DynamoDb, ApplicationName, new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
        return await refresher.ListLeasesAsync();
    }

    /// <summary>Whether every shard's lease checkpoint has reached the last record delivered from it.</summary>
    public async Task<bool> CheckpointsCaughtUpAsync()
    {
        var leases = (await ListLeasesAsync()).ToDictionary(l => l.LeaseKey, l => l.Checkpoint);
        foreach (var shard in Deliveries.GroupBy(d => d.ShardId))
        {
            var last = shard.Select(d => new ExtendedSequenceNumber(d.SequenceNumber, d.SubSequenceNumber)).Max()!;
            if (!leases.TryGetValue(shard.Key, out var checkpoint) || checkpoint is null || checkpoint < last)
            {
                return false;
            }
        }

        return true;
    }

    public HashSet<string> DeliveredPayloads() => Deliveries.Select(d => d.Payload).ToHashSet(StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (var consumer in consumers)
        {
            await consumer.DisposeAsync();
        }

        try
        {
            await Kinesis.DeleteStreamAsync(new DeleteStreamRequest { StreamName = StreamName });
        }
        catch (KinesisApiException)
        {
            // Best effort; the emulator is discarded with the fixture anyway.
        }

        Kinesis.Dispose();
        DynamoDb.Dispose();
    }

    private async Task PutOrderedAsync(List<PutRecordsRequestEntry> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var response = await Kinesis.PutRecordsAsync(new PutRecordsRequest { StreamName = StreamName, Records = batch.ToArray() });
        Assert.Equal(0, response.FailedRecordCount);
        batch.Clear();
    }
}

/// <summary>One delivered user record, as seen by a test processor.</summary>
internal sealed record Delivery(string WorkerId, string ShardId, string SequenceNumber, long SubSequenceNumber, string PartitionKey, string Payload, bool IsAggregated);

/// <summary>Records every delivery, checkpoints after each batch and on shard end / shutdown.</summary>
internal sealed class RecordingProcessor(string workerId, ConcurrentQueue<Delivery> deliveries, bool checkpointOnShutdown = true) : IShardRecordProcessor
{
    public ExtendedSequenceNumber? InitialCheckpoint { get; private set; }

    public InitializationInput? Initialization { get; private set; }

    public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default)
    {
        InitialCheckpoint = input.Checkpoint;
        Initialization = input;
        return Task.CompletedTask;
    }

    public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
    {
        foreach (var record in input.Records)
        {
            deliveries.Enqueue(new Delivery(workerId, input.ShardId, record.SequenceNumber, record.SubSequenceNumber, record.PartitionKey, Encoding.UTF8.GetString(record.Data.Span), record.IsAggregated));
        }

        await input.Checkpointer.CheckpointAsync(cancellationToken);
    }

    public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

    public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) =>
        checkpointOnShutdown ? input.Checkpointer.CheckpointAsync(cancellationToken) : Task.CompletedTask;
}
