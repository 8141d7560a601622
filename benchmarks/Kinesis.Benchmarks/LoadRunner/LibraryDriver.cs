using System.Diagnostics;
using Amazon.Runtime;
using Kinesis.Client;
using Kinesis.Core.Api;
using Kinesis.Producer;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary><see cref="KinesisProducer"/> (with or without KPL aggregation) and one <see cref="KinesisConsumer"/> worker.</summary>
internal sealed class LibraryDriver(LoadTarget target, bool aggregation, TimeSpan pollInterval) : ILoadDriver
{
    /// <summary>Most user records handed to the producer and not yet resolved.</summary>
    public const int OutstandingWindow = 25_000;

    private readonly List<Task<UserRecordResult>> puts = [];
    private int oldestPending;
    private KinesisProducer? producer;
    private KinesisConsumer? consumer;
    private int kinesisRecords;

    public string Name => aggregation ? "KinesisProducer (KPL aggregation) + KinesisConsumer" : "KinesisProducer (no aggregation) + KinesisConsumer";

    public int KinesisRecordsWritten => kinesisRecords;

    public async Task StartConsumerAsync(string stream, int shards, DeliveryRecorder recorder, CancellationToken cancellationToken)
    {
        consumer = KinesisConsumer.Create(
            new KinesisConsumerOptions
            {
                ApplicationName = $"{stream}-app",
                StreamName = stream,
                WorkerId = "load-runner",
                InitialPosition = InitialPositionInStream.TrimHorizon,
                Kinesis = target.ApiOptions(),
                DynamoDbServiceUrl = target.DynamoDbEndpoint,
                IdleTimeBetweenReads = pollInterval,
                ShardSyncInterval = TimeSpan.FromSeconds(5),
                Leases = new LeaseManagementOptions { FailoverTime = TimeSpan.FromSeconds(3), TakerInterval = TimeSpan.FromMilliseconds(250), TableActivePollInterval = TimeSpan.FromMilliseconds(50) },
            },
            (input, _) =>
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var record in input.Records)
                {
                    recorder.Record(record.Data.Span, now);
                }

                return Task.CompletedTask;
            });
        await consumer.StartAsync(cancellationToken).ConfigureAwait(false);
        var deadline = Stopwatch.StartNew();
        while (consumer.HeldShardIds.Count < shards && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        producer = new KinesisProducer(new KinesisProducerOptions
        {
            Region = target.Region,
            ServiceUrl = target.KinesisEndpoint,
            Credentials = target.Credentials,
            AggregationEnabled = aggregation,

            // The emulators do not enforce shard limits; against AWS keep the KPL default.
            RateLimit = target.IsLocal ? 100_000 : KinesisProducerOptions.DefaultRateLimit,
        });
    }

    public async ValueTask PutAsync(string stream, string partitionKey, byte[] payload)
    {
        puts.Add(producer!.PutAsync(stream, partitionKey, payload));

        // Closed loop: without a window a duration run would queue far more than the target can take and let
        // records expire. Records resolve roughly in put order, so waiting on the oldest is enough.
        while (puts.Count - oldestPending > OutstandingWindow)
        {
            await ((Task)puts[oldestPending++]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async Task<int> CompleteProducerAsync()
    {
        await producer!.FlushAsync().ConfigureAwait(false);
        var failed = 0;
        var sequenceNumbers = new HashSet<string>();
        foreach (var put in puts)
        {
            try
            {
                if ((await put.ConfigureAwait(false)).SequenceNumber is { } sequenceNumber)
                {
                    sequenceNumbers.Add(sequenceNumber);
                }
            }
            catch (UserRecordFailedException ex)
            {
                if (failed++ == 0)
                {
                    Console.WriteLine($"  first failed record: {ex.Message}");
                }
            }
        }

        kinesisRecords = sequenceNumbers.Count;
        return failed;
    }

    public async Task StopConsumerAsync()
    {
        if (consumer is not null)
        {
            await consumer.StopAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (producer is not null)
        {
            await producer.DisposeAsync().ConfigureAwait(false);
        }

        if (consumer is not null)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Where the load goes: emulators started here, or real AWS.</summary>
internal sealed record LoadTarget(string Label, string Region, Uri? KinesisEndpoint, Uri? DynamoDbEndpoint, AWSCredentials? Credentials)
{
    public bool IsLocal => KinesisEndpoint is not null;

    public KinesisApiClientOptions ApiOptions(int maxConnections = KinesisApiClientOptions.DefaultMaxConnections) =>
        new() { Region = Region, ServiceUrl = KinesisEndpoint, Credentials = Credentials, MaxConnections = maxConnections };
}
