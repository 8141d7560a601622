using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Testing;

namespace Kinesis.Client.Tests.Consumer;

[Collection(LocalAwsCollection.Name)]
public sealed class KinesisConsumerRobustnessTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_AfterCheckpointInsideAggregate_ResumesAtNextSubSequence()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutAggregateAsync("r", 20);
        var first = env.CreateConsumer("first", _ => new CheckpointAtSubSequenceProcessor(9, env.Deliveries));
        await first.StartAsync();
        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "the first worker saw the aggregate");
        await Eventually.HoldsAsync(async () => (await env.ListLeasesAsync()).Single().Checkpoint!.SubSequenceNumber == 9, Deadline, "checkpoint at sub-sequence 9");
        await first.StopAsync();

        var resumed = new ConcurrentQueue<Delivery>();
        RecordingProcessor? processor = null;
        var second = env.CreateConsumer("second", _ => processor = new RecordingProcessor("second", resumed));
        await second.StartAsync();
        await Eventually.HoldsAsync(() => resumed.Count >= 10, Deadline, "the second worker resumed");

        Assert.Equal(expected.Skip(10), resumed.Select(d => d.Payload));
        Assert.Equal(9, processor!.InitialCheckpoint!.SubSequenceNumber);
        Assert.True(second.Counters.RecordsFilteredBelowCheckpoint >= 10);
        await second.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_PreparedCheckpointNotCommitted_InitializationCarriesItAndDeliveryResumesAtTheCommittedOne()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var expected = await env.PutAggregateAsync("p", 20);
        byte[] state = [7, 9, 11];
        var first = env.CreateConsumer("first", _ => new PrepareAtSubSequenceProcessor(commitAt: 4, prepareAt: 9, state, env.Deliveries));
        await first.StartAsync();
        await Eventually.HoldsAsync(async () => (await env.ListLeasesAsync()).Single().PendingCheckpoint?.SubSequenceNumber == 9, Deadline, "pending checkpoint at sub-sequence 9");
        await first.StopAsync();
        var prepared = (await env.ListLeasesAsync()).Single();
        Assert.Equal(new ExtendedSequenceNumber(prepared.Checkpoint!.SequenceNumber, 4), prepared.Checkpoint);

        var resumed = new ConcurrentQueue<Delivery>();
        RecordingProcessor? processor = null;
        var second = env.CreateConsumer("second", _ => processor = new RecordingProcessor("second", resumed, checkpointOnShutdown: false));
        await second.StartAsync();
        await Eventually.HoldsAsync(() => resumed.Count >= 15, Deadline, "the second worker resumed");

        // As in the KCL, the prepared checkpoint is the processor's to act on; delivery resumes after the committed one.
        var initialization = processor!.Initialization!;
        Assert.Equal(prepared.Checkpoint, initialization.Checkpoint);
        Assert.Equal(new ExtendedSequenceNumber(prepared.Checkpoint.SequenceNumber, 9), initialization.PendingCheckpoint);
        Assert.Equal(state, initialization.PendingCheckpointState!.Value.ToArray());
        Assert.Equal(expected.Skip(5), resumed.Select(d => d.Payload));
        await second.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task StartAsync_ThrottledAndExpiredIterators_BacksOffAndResumesWithoutLossOrDuplicates()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(2);
        var faults = new FaultInjectionHandler()
            .ForTarget("GetRecords", Fault.AwsError(HttpStatusCode.BadRequest, KinesisErrorCodes.ProvisionedThroughputExceeded), times: 8)
            .ForTarget("GetShardIterator", Fault.AwsError(HttpStatusCode.BadRequest, KinesisErrorCodes.ProvisionedThroughputExceeded), times: 2)
            .ForTarget("GetRecords", Fault.AwsError(HttpStatusCode.BadRequest, KinesisErrorCodes.ExpiredIterator), times: 2);
        var expected = await env.PutRawAsync(keys: 6, first: 0, count: 10);
        var consumer = env.CreateConsumer("w1", kinesisHandler: faults);
        await consumer.StartAsync();
        env.DynamoDbHandler.InjectFaults("UpdateItem", 4);
        expected.AddRange(await env.PutRawAsync(keys: 6, first: 10, count: 10));

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "every record delivered despite throttling");
        Assert.True(consumer.Counters.GetRecordsThrottled >= 8, $"throttles seen: {consumer.Counters.GetRecordsThrottled}");
        Assert.Equal(2, consumer.Counters.ExpiredIterators);
        Assert.Equal(expected.Count, env.Deliveries.Count);
        KinesisConsumerIntegrationTests.AssertPerKeyOrder(env);
        await consumer.StopAsync();
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task StartAsync_CorruptAggregate_DeliveredRawAndCounted()
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var corrupt = new byte[64];
        AggregatedRecordFormat.Magic.CopyTo(corrupt);
        corrupt.AsSpan(4).Fill(0x5A);
        await env.Kinesis.PutRecordAsync(new PutRecordRequest { StreamName = env.StreamName, PartitionKey = "bad", Data = corrupt });
        var expected = await env.PutRawAsync(keys: 2, first: 0, count: 5);
        var consumer = env.CreateConsumer("w1");
        await consumer.StartAsync();

        await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(expected), Deadline, "records after the corrupt one delivered");
        var raw = Assert.Single(env.Deliveries, d => d.PartitionKey == "bad");
        Assert.False(raw.IsAggregated);
        Assert.Equal(Encoding.UTF8.GetString(corrupt), raw.Payload);
        Assert.True(consumer.DeaggregationCounters!.GetCount(DeaggregationFailureReason.ChecksumMismatch) + consumer.DeaggregationCounters.GetCount(DeaggregationFailureReason.InvalidProtobuf) >= 1);
        await consumer.StopAsync();
    }

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(ProcessorErrorMode.RetryBatch)]
    [InlineData(ProcessorErrorMode.SkipBatch)]
    [InlineData(ProcessorErrorMode.StopShard)]
    public async Task ProcessRecordsAsync_Throws_HandledPerErrorMode(ProcessorErrorMode mode)
    {
        await using var env = new ConsumerTestEnvironment(fixture);
        await env.CreateStreamAsync(1);
        var poison = await env.PutRawAsync(keys: 1, first: 0, count: 3);
        var failures = 0;
        var stopped = new TaskCompletionSource<ShardStoppedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = env.CreateConsumer(
            "w1",
            _ => new DelegateShardRecordProcessor((input, _) =>
            {
                if (input.Records.Any(r => Encoding.UTF8.GetString(r.Data.Span) == poison[0]) && Interlocked.Increment(ref failures) <= 3)
                {
                    throw new InvalidOperationException("user code failed");
                }

                foreach (var r in input.Records)
                {
                    env.Deliveries.Enqueue(new Delivery("w1", input.ShardId, r.SequenceNumber, r.SubSequenceNumber, r.PartitionKey, Encoding.UTF8.GetString(r.Data.Span), r.IsAggregated));
                }

                return Task.CompletedTask;
            }),
            o => o.ErrorMode = mode);
        consumer.ShardStopped += (_, e) => stopped.TrySetResult(e);
        await consumer.StartAsync();

        switch (mode)
        {
            case ProcessorErrorMode.RetryBatch:
                await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(poison), Deadline, "the batch delivered after retries");
                Assert.Equal(3, consumer.Counters.ProcessorFailures);
                break;
            case ProcessorErrorMode.SkipBatch:
                await Eventually.HoldsAsync(() => consumer.Counters.BatchesSkipped == 1, Deadline, "the batch skipped");
                var after = await env.PutRawAsync(keys: 1, first: 3, count: 2);
                await Eventually.HoldsAsync(() => env.DeliveredPayloads().IsSupersetOf(after), Deadline, "later records delivered");
                Assert.DoesNotContain(poison[0], env.DeliveredPayloads());
                Assert.Equal(1, consumer.Counters.ProcessorFailures);
                break;
            default:
                var args = await stopped.Task.WaitAsync(Deadline);
                Assert.Equal("user code failed", args.Exception.Message);
                Assert.Null(args.Stream);
                Assert.Equal(args.ShardId, args.LeaseKey);
                Assert.Equal(1, consumer.Counters.ShardsStopped);
                Assert.Empty(env.Deliveries);
                Assert.Single(consumer.HeldShardIds);
                break;
        }

        await consumer.StopAsync();
    }

    /// <summary>Records deliveries, commits a checkpoint at one sub-sequence number and prepares one at a later one; never checkpoints on shutdown.</summary>
    private sealed class PrepareAtSubSequenceProcessor(long commitAt, long prepareAt, byte[] state, ConcurrentQueue<Delivery> deliveries) : IShardRecordProcessor
    {
        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            foreach (var r in input.Records)
            {
                deliveries.Enqueue(new Delivery("first", input.ShardId, r.SequenceNumber, r.SubSequenceNumber, r.PartitionKey, Encoding.UTF8.GetString(r.Data.Span), r.IsAggregated));
                if (r.SubSequenceNumber == commitAt)
                {
                    await input.Checkpointer.CheckpointAsync(r, cancellationToken);
                }
                else if (r.SubSequenceNumber == prepareAt)
                {
                    await input.Checkpointer.PrepareCheckpointAsync(r.SequenceNumber, r.SubSequenceNumber, state, cancellationToken);
                }
            }
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    /// <summary>Records deliveries and checkpoints once, at the given sub-sequence number; never on shutdown.</summary>
    private sealed class CheckpointAtSubSequenceProcessor(long subSequence, ConcurrentQueue<Delivery> deliveries) : IShardRecordProcessor
    {
        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            foreach (var r in input.Records)
            {
                deliveries.Enqueue(new Delivery("first", input.ShardId, r.SequenceNumber, r.SubSequenceNumber, r.PartitionKey, Encoding.UTF8.GetString(r.Data.Span), r.IsAggregated));
                if (r.SubSequenceNumber == subSequence)
                {
                    await input.Checkpointer.CheckpointAsync(r, cancellationToken);
                }
            }
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
