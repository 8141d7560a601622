using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Kinesis.Client.DeadLetter;
using Kinesis.Client.Leases;
using Kinesis.Core.Api;
using Kinesis.LocalServices;
using Kinesis.Producer;
using Kinesis.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Record = Kinesis.Core.Api.Record;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>The poison-record policy end to end on kinesis-local and dynalite: bisect, dead-letter stream, sink failures, age limit, partial-batch reports, lease loss.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class PoisonRecordIntegrationTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PoisonInTheMiddle_IsolatedByBisect_LandsInTheDeadLetterStreamWithMetadataAndTheRestIsCheckpointedInOrder()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var deadLetterStream = LocalAwsFixture.UniqueName("dlq");
        await env.Kinesis.CreateStreamAsync(new CreateStreamRequest { StreamName = deadLetterStream, ShardCount = 1 });
        await env.Kinesis.WaitForStreamActiveAsync(deadLetterStream, Deadline);
        await using var producer = new KinesisProducer(new KinesisProducerOptions
        {
            Region = LocalAwsServices.Region,
            ServiceUrl = fixture.KinesisLocalEndpoint,
            Credentials = LocalKinesis.Credentials,
            AggregationEnabled = false,
        });
        var payloads = await env.PutRawAsync(keys: 1, first: 0, count: 20);
        using var measurements = new Metrics.ConsumerMeasurements(env.ApplicationName);
        var processor = new PoisonProcessor(env.Deliveries, payload => payload == "key-0:7");
        var consumer = env.CreateConsumer("w1", _ => processor, o =>
        {
            o.PoisonRecords.BisectBatchOnError = true;
            o.PoisonRecords.MaxRetryAttempts = 1;
            o.PoisonRecords.DeadLetterSink = new KinesisStreamDeadLetterSink(producer, deadLetterStream);
        });

        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.Deliveries.Count >= 19, Deadline, "every good record delivered");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "the checkpoint reached the last record");
        var dead = await ReadAllAsync(env.Kinesis, deadLetterStream, 1);

        Assert.Equal(payloads.Where(p => p != "key-0:7"), env.Deliveries.Select(d => d.Payload));
        var record = Assert.Single(dead);
        Assert.Equal("key-0", record.PartitionKey);
        using var envelope = JsonDocument.Parse(record.Data);
        var root = envelope.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(env.StreamName, root.GetProperty("streamName").GetString());
        Assert.Equal("shardId-000000000000", root.GetProperty("shardId").GetString());
        Assert.Equal(processor.PoisonSequenceNumbers.Single(), root.GetProperty("sequenceNumber").GetString());
        Assert.Equal(0, root.GetProperty("subSequenceNumber").GetInt64());
        Assert.Equal("key-0", root.GetProperty("partitionKey").GetString());
        Assert.Equal("RetriesExhausted", root.GetProperty("reason").GetString());
        Assert.True(root.GetProperty("attempts").GetInt32() >= 2, "at least the isolated record's two deliveries");
        Assert.Equal(typeof(FormatException).FullName, root.GetProperty("exceptionType").GetString());
        Assert.False(root.GetProperty("dataOmitted").GetBoolean());
        Assert.Equal("key-0:7", Encoding.UTF8.GetString(root.GetProperty("data").GetBytesFromBase64()));
        Assert.Equal(1, consumer.Counters.RecordsDeadLettered);
        Assert.True(consumer.Counters.BatchesBisected >= 1);
        Assert.Equal(1, measurements.Sum(Core.Metrics.ConsumerMetricNames.RecordsDeadLettered));
        Assert.Equal(consumer.Counters.BatchesBisected, measurements.Sum(Core.Metrics.ConsumerMetricNames.BatchesBisected));
        Assert.Equal(1, measurements.Sum(Core.Metrics.ConsumerMetricNames.ProcessRecordsRetries));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task PoisonAtTheVeryEndOfASplitParentShard_IsDeadLetteredBeforeTheShardEndsAndTheChildrenAreReadAfterIt()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var payloads = await env.PutRawAsync(keys: 1, first: 0, count: 6);
        var parent = (await env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = env.StreamName })).Shards[0];
        var middle = ((System.Numerics.BigInteger)parent.HashKeyRange.End / 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await env.Kinesis.SplitShardAsync(new SplitShardRequest { StreamName = env.StreamName, ShardToSplit = parent.ShardId, NewStartingHashKey = middle });
        await env.Kinesis.WaitForStreamActiveAsync(env.StreamName, Deadline);
        var afterSplit = await env.PutRawAsync(keys: 1, first: 6, count: 4);
        using var measurements = new Metrics.ConsumerMeasurements(env.ApplicationName);

        // The last record of the closed parent fails, and the sink refuses it until the test has looked: the shard must
        // neither end nor hand over to its children before the sink has it. (A sink refusing only twice could accept the
        // third call before the look below on a loaded machine, and the parent then rightly ended.)
        var sink = new ListSink { FailuresLeft = int.MaxValue };
        var processor = new PoisonProcessor(env.Deliveries, payload => payload == "key-0:5");
        var consumer = env.CreateConsumer("w1", _ => processor, o =>
        {
            o.PoisonRecords.BisectBatchOnError = true;
            o.PoisonRecords.MaxRetryAttempts = 0;
            o.PoisonRecords.DeadLetterSink = sink;
        });

        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => sink.Calls >= 2, Deadline, "the sink refused the poison twice");
        Assert.DoesNotContain(env.Deliveries, d => afterSplit.Contains(d.Payload));
        var parentLease = Assert.Single(await env.ListLeasesAsync(), l => l.LeaseKey == parent.ShardId);
        Assert.False(parentLease.Checkpoint?.IsShardEnd ?? false, "the parent ended before its last record reached the sink");
        sink.FailuresLeft = 0;

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(afterSplit), Deadline, "the children read once the sink accepted the poison");
        await Eventually.HoldsAsync(
            async () => (await env.ListLeasesAsync()).FirstOrDefault(l => l.LeaseKey == parent.ShardId) is not { } lease || lease.Checkpoint?.IsShardEnd == true,
            Deadline,
            "the parent checkpointed at SHARD_END (or its lease cleaned up after it)");
        await consumer.StopAsync();

        Assert.Equal("key-0:5", Encoding.UTF8.GetString(Assert.Single(Assert.Single(sink.Batches).Records).Data.Span));
        Assert.Equal(payloads.Where(p => p != "key-0:5").Concat(afterSplit), env.Deliveries.Select(d => d.Payload));
        Assert.Equal(1, consumer.Counters.RecordsDeadLettered);
        Assert.Equal(1, measurements.Sum(Core.Metrics.ConsumerMetricNames.RecordsDeadLettered));
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task DeadLetterSinkFails_CheckpointStaysBeforeThePoisonUntilTheSinkRecovers()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var payloads = await env.PutRawAsync(keys: 1, first: 0, count: 10);
        var sink = new ListSink { FailuresLeft = int.MaxValue };
        var processor = new PoisonProcessor(env.Deliveries, payload => payload == "key-0:5");
        var consumer = env.CreateConsumer("w1", _ => processor, o =>
        {
            o.PoisonRecords.BisectBatchOnError = true;
            o.PoisonRecords.MaxRetryAttempts = 0;
            o.PoisonRecords.DeadLetterSink = sink;
        });

        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => sink.Calls >= 3, Deadline, "the sink was tried three times");
        var beforePoison = env.Deliveries.Single(d => d.Payload == "key-0:4");
        var lease = Assert.Single(await env.ListLeasesAsync());

        Assert.Equal(new ExtendedSequenceNumber(beforePoison.SequenceNumber), lease.Checkpoint);
        Assert.DoesNotContain(env.Deliveries, d => d.Payload is "key-0:6" or "key-0:7");
        Assert.True(consumer.Counters.DeadLetterSinkFailures >= 3);

        sink.FailuresLeft = 0;
        await Eventually.HoldsAsync(() => env.Deliveries.Count >= 9, Deadline, "the rest delivered once the sink accepted the poison");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "the checkpoint reached the last record");
        Assert.Equal("key-0:5", Encoding.UTF8.GetString(Assert.Single(Assert.Single(sink.Batches).Records).Data.Span));
        Assert.Equal(payloads.Where(p => p != "key-0:5"), env.Deliveries.Select(d => d.Payload));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ProcessorCheckpointingEachRecordThenThrowing_RecordsItCheckpointedAreNotDeliveredAgainNorDeadLettered()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var payloads = await env.PutRawAsync(keys: 1, first: 0, count: 8);
        var sink = new ListSink();
        var consumer = env.CreateConsumer("w1", _ => new DelegateShardRecordProcessor(async (input, ct) =>
        {
            foreach (var record in input.Records)
            {
                var payload = Encoding.UTF8.GetString(record.Data.Span);
                if (payload == "key-0:6")
                {
                    throw new FormatException("poison");
                }

                env.Deliveries.Enqueue(new Delivery("w1", input.ShardId, record.SequenceNumber, record.SubSequenceNumber, record.PartitionKey, payload, record.IsAggregated));
                await input.Checkpointer.CheckpointAsync(record, ct);
            }
        }), o =>
        {
            o.PoisonRecords.BisectBatchOnError = true;
            o.PoisonRecords.MaxRetryAttempts = 0;
            o.PoisonRecords.DeadLetterSink = sink;
        });

        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.Deliveries.Count >= 7, Deadline, "every good record delivered");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "the checkpoint reached the last record");

        Assert.Equal(payloads.Where(p => p != "key-0:6"), env.Deliveries.Select(d => d.Payload));
        Assert.Equal("key-0:6", Encoding.UTF8.GetString(Assert.Single(Assert.Single(sink.Batches).Records).Data.Span));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task FailingRecordsOlderThanTheAgeLimit_AreDeadLetteredAfterOneDeliveryAndLaterRecordsCheckpointPastThem()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        await env.PutRawAsync(keys: 1, first: 0, count: 3);
        var sink = new ListSink();
        var processor = new PoisonProcessor(env.Deliveries, payload => payload.StartsWith("key-0:", StringComparison.Ordinal) && int.Parse(payload[6..]) < 3);
        var consumer = env.CreateConsumer("w1", _ => processor, o =>
        {
            // The consumer's clock runs two hours ahead, so the records just put are two hours old to it.
            o.TimeProvider = new AheadTimeProvider(TimeSpan.FromHours(2));
            o.PoisonRecords.MaxRetryAttempts = 1000;
            o.PoisonRecords.MaximumRecordAge = TimeSpan.FromHours(1);
            o.PoisonRecords.DeadLetterSink = sink;
        });

        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => sink.Batches.Sum(b => b.Records.Count) >= 3, Deadline, "the old failing records dead-lettered");
        Assert.All(sink.Batches, b => Assert.Equal(DeadLetterReason.RecordAgeExceeded, b.Reason));
        Assert.All(sink.Batches, b => Assert.Equal(1, b.Attempts));
        Assert.Equal(sink.Batches.Count, processor.Failures);

        var later = await env.PutRawAsync(keys: 1, first: 3, count: 2);
        await Eventually.HoldsAsync(() => env.Deliveries.Count >= 2, Deadline, "later records delivered");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "the checkpoint passed the dead-lettered records");
        Assert.Equal(later, env.Deliveries.Select(d => d.Payload));
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PartialBatchReportInsideAKplAggregate_CheckpointsJustBeforeAndResumesAtTheReportedSubSequenceNumber()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var payloads = await env.PutAggregateAsync("t", 6);
        var processor = new PoisonProcessor(env.Deliveries, _ => false) { ReportOnce = "agg-t-3" };
        var consumer = env.CreateConsumer("w1", _ => processor);

        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.Deliveries.Count >= 6, Deadline, "every user record delivered");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "the checkpoint reached the last user record");

        Assert.Equal(payloads, env.Deliveries.Select(d => d.Payload));
        Assert.Equal([0L, 3L], processor.FirstSubSequenceOfEachCall);
        var sequenceNumber = env.Deliveries.First().SequenceNumber;
        Assert.Equal(new ExtendedSequenceNumber(sequenceNumber, 2), processor.CheckpointAfterReport);
        Assert.Equal(new ExtendedSequenceNumber(sequenceNumber, 5), Assert.Single(await env.ListLeasesAsync()).Checkpoint);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task PartialBatchReportFromADelegateProcessor_CheckpointsJustBeforeTheReportedRecordAndRedeliversFromIt()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var payloads = await env.PutRawAsync(keys: 1, first: 0, count: 5);
        var reported = 0;
        var calls = new ConcurrentQueue<string>();
        ExtendedSequenceNumber? bound = null;
        var consumer = env.CreateConsumer("w1", _ => new DelegateShardRecordProcessor((input, _) =>
        {
            calls.Enqueue(Encoding.UTF8.GetString(input.Records[0].Data.Span));
            foreach (var record in input.Records)
            {
                var payload = Encoding.UTF8.GetString(record.Data.Span);
                if (payload == "key-0:2" && Interlocked.Exchange(ref reported, 1) == 0)
                {
                    input.ReportFailure(record.SequenceNumber, record.SubSequenceNumber);
                    bound = input.Checkpointer.LargestPermittedCheckpoint;
                    return Task.CompletedTask;
                }

                env.Deliveries.Enqueue(new Delivery("w1", input.ShardId, record.SequenceNumber, record.SubSequenceNumber, record.PartitionKey, payload, record.IsAggregated));
            }

            return Task.CompletedTask;
        }));

        await consumer.StartAsync();
        await Eventually.HoldsAsync(() => env.Deliveries.Count >= 5, Deadline, "every record delivered");
        await Eventually.HoldsAsync(env.CheckpointsCaughtUpAsync, Deadline, "the checkpoint reached the last record");

        Assert.Equal(payloads, env.Deliveries.Select(d => d.Payload));
        Assert.Equal(["key-0:0", "key-0:2"], calls.Take(2));
        Assert.Equal(new ExtendedSequenceNumber(env.Deliveries.Single(d => d.Payload == "key-0:1").SequenceNumber), bound);
        Assert.Equal(1, consumer.Counters.ProcessorFailures);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task LeaseLostWhileRetryingAPoisonRecord_StopsWithoutDeadLetteringAndTheNextOwnerResumesAtIt()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var payloads = await env.PutRawAsync(keys: 1, first: 0, count: 6);
        var sink = new ListSink();
        var poisoned = new PoisonProcessor(env.Deliveries, payload => payload == "key-0:3");
        var first = env.CreateConsumer("w1", _ => poisoned, o =>
        {
            o.PoisonRecords.BisectBatchOnError = true;
            o.PoisonRecords.MaxRetryAttempts = PoisonRecordOptions.MaxMaxRetryAttempts;
            o.PoisonRecords.DeadLetterSink = sink;
        });
        await first.StartAsync();
        await Eventually.HoldsAsync(() => poisoned.Failures >= 5, Deadline, "the poison record retried");

        var refresher = new DynamoDbLeaseRefresher(env.DynamoDb, env.ApplicationName, new LeaseManagementOptions(), TimeProvider.System, NullLogger.Instance);
        var lease = Assert.Single(await refresher.ListLeasesAsync());
        Assert.NotNull(await refresher.TryTakeLeaseAsync(lease, "intruder"));
        await poisoned.LeaseLost.Task.WaitAsync(Deadline);
        var failuresAtLoss = poisoned.Failures;

        Assert.Equal(0, sink.Calls);
        Assert.Equal(new ExtendedSequenceNumber(env.Deliveries.Single(d => d.Payload == "key-0:2").SequenceNumber), lease.Checkpoint);
        Assert.Equal(failuresAtLoss, poisoned.Failures);
        await first.StopAsync();

        // The intruder never renews: once its lease expires a healthy worker takes it and resumes at the poison record.
        var healthy = new PoisonProcessor(env.Deliveries, _ => false);
        var second = env.CreateConsumer("w2", _ => healthy);
        await second.StartAsync();
        await Eventually.HoldsAsync(() => env.Deliveries.Count >= 6, Deadline, "the next owner delivers the rest");
        Assert.Equal("key-0:3", healthy.Delivered[0]);
        Assert.Equal(payloads, env.Deliveries.Select(d => d.Payload));
        await second.StopAsync();
    }

    internal static async Task<List<Record>> ReadAllAsync(KinesisApiClient kinesis, string stream, int expected)
    {
        var iterator = (await kinesis.GetShardIteratorAsync(new GetShardIteratorRequest { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = ShardIteratorType.TrimHorizon })).ShardIterator;
        var records = new List<Record>();
        await Eventually.HoldsAsync(
            async () =>
            {
                var response = await kinesis.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator! });
                records.AddRange(response.Records);
                iterator = response.NextShardIterator;
                return records.Count >= expected;
            },
            Deadline,
            $"{expected} records in {stream}");
        return records;
    }

    /// <summary>A clock ahead of the system clock by a fixed offset; timers and timestamps are the system's.</summary>
    private sealed class AheadTimeProvider(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }

    /// <summary>Fails every call whose batch holds a poison payload; otherwise records the deliveries and checkpoints. Can report one partial failure.</summary>
    private sealed class PoisonProcessor(ConcurrentQueue<Delivery> deliveries, Func<string, bool> isPoison) : IShardRecordProcessor
    {
        private int failures;

        public string? ReportOnce { get; set; }

        public int Failures => Volatile.Read(ref failures);

        public ConcurrentQueue<string> PoisonSequenceNumbers { get; } = new();

        public List<string> Delivered { get; } = [];

        public List<long> FirstSubSequenceOfEachCall { get; } = [];

        public ExtendedSequenceNumber? CheckpointAfterReport { get; private set; }

        public TaskCompletionSource LeaseLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            FirstSubSequenceOfEachCall.Add(input.Records[0].SubSequenceNumber);
            var processed = input.Records.Count;
            for (var i = 0; i < input.Records.Count; i++)
            {
                var record = input.Records[i];
                var payload = Encoding.UTF8.GetString(record.Data.Span);
                if (isPoison(payload))
                {
                    if (!PoisonSequenceNumbers.Contains(record.SequenceNumber))
                    {
                        PoisonSequenceNumbers.Enqueue(record.SequenceNumber);
                    }

                    Interlocked.Increment(ref failures);
                    throw new FormatException($"poison record {payload}");
                }

                if (payload == ReportOnce)
                {
                    ReportOnce = null;
                    input.ReportFailure(record);
                    processed = i;
                    break;
                }
            }

            for (var i = 0; i < processed; i++)
            {
                var record = input.Records[i];
                var payload = Encoding.UTF8.GetString(record.Data.Span);
                Delivered.Add(payload);
                deliveries.Enqueue(new Delivery("w", input.ShardId, record.SequenceNumber, record.SubSequenceNumber, record.PartitionKey, payload, record.IsAggregated));
            }

            await input.Checkpointer.CheckpointAsync(cancellationToken);
            if (processed < input.Records.Count)
            {
                CheckpointAfterReport = input.Checkpointer.LastCheckpoint;
            }
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default)
        {
            LeaseLost.TrySetResult();
            return Task.CompletedTask;
        }

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);
    }
}
