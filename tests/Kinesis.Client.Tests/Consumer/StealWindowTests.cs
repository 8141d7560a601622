using System.Collections.Concurrent;
using Kinesis.Client.Diagnostics;
using Kinesis.Client.Leases;
using Kinesis.Client.Lifecycle;
using Kinesis.Client.Retrieval;
using Kinesis.Client.Tests.Leases;
using Kinesis.Core.Aggregation;
using Kinesis.Core.Api;
using Kinesis.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kinesis.Client.Tests.Consumer;

/// <summary>
/// The steal window (the Java KCL's issue #108): once the old owner's renewer has seen its lease go, no further batch
/// reaches its processor and its checkpoints are refused before they reach the lease table. The shard consumers run
/// on kinesis-local and dynalite with hand-driven lease coordinators and processors that wait inside a batch, so the
/// steal lands in the middle of processing at a chosen moment. The consumers are not told of the loss (no scheduler):
/// what stops them is their own check of the renewer's view.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class StealWindowTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task Steal_ObservedByOldOwnersRenewer_NoFurtherBatchCheckpointRefusedNewOwnerResumesFromCheckpoint()
    {
        await using var run = await StealRun.StartAsync(fixture);
        var a = run.CreateCoordinator("A", TimeProvider.System, run.DynamoA, seed: 1);
        var b = run.CreateCoordinator("B", TimeProvider.System, run.DynamoB, seed: 2);
        var heldByA = await a.TakeLeasesAsync();
        Assert.Equal(2, heldByA.Count);
        var consumersA = heldByA.Select(lease => run.StartConsumer(a, lease, new GatedProcessor())).ToList();
        foreach (var (consumer, processor) in consumersA)
        {
            await run.InSecondBatchAfterFirstCheckpointAsync(consumer, processor);
        }

        // B steals one of A's two leases while A's processor of that shard is inside its second batch.
        var stolen = Assert.Single(await b.TakeLeasesAsync());
        var (victim, victimProcessor) = consumersA.Single(c => c.Consumer.ShardId == stolen.LeaseKey);
        var (bystander, _) = consumersA.Single(c => c.Consumer.ShardId != stolen.LeaseKey);
        await a.RenewLeasesAsync();
        Assert.False(a.IsHeld(victim.ShardId, victim.ConcurrencyToken));
        Assert.True(a.IsHeld(bystander.ShardId, bystander.ConcurrencyToken));
        var updatesByA = run.DynamoA.Handler.Count("UpdateItem");

        victimProcessor.Gate.Release(100);
        await Eventually.HoldsAsync(() => victimProcessor.LeaseLost.Task.IsCompleted || victimProcessor.Batches.Count > 2, Deadline, "the old owner's processor told of the loss");

        Assert.Equal(2, victimProcessor.Batches.Count);
        Assert.Equal(ShardConsumerEnd.LeaseLost, await victim.Completion.WaitAsync(Deadline));
        Assert.IsType<LeaseLostException>(Assert.Single(victimProcessor.CheckpointFailures));
        Assert.Equal(updatesByA, run.DynamoA.Handler.Count("UpdateItem"));
        Assert.True(run.Logs.GetSnapshot().Any(r => r.Id.Id == 3035), "the refused delivery is logged");
        Assert.True(run.Logs.GetSnapshot().Any(r => r.Id.Id == 3038), "the refused checkpoint is logged");
        Assert.True(run.Logs.GetSnapshot().Any(r => r.Id.Id == 2010), "the lost lease is logged");

        // The new owner starts from A's last checkpoint: right after A's first batch, with A's second batch again.
        var newOwner = new GatedProcessor();
        newOwner.Gate.Release(100);
        var (consumerB, _) = run.StartConsumer(b, stolen, newOwner);
        await Eventually.HoldsAsync(() => !newOwner.Batches.IsEmpty, Deadline, "the new owner delivers");
        Assert.Equal(victimProcessor.LastCheckpoint, newOwner.InitialCheckpoint);
        Assert.Equal(victimProcessor.Batches.ElementAt(1)[0].SequenceNumber, newOwner.Batches.First()[0].SequenceNumber);
        Assert.True(run.Logs.GetSnapshot().Any(r => r.Id.Id == 2016), "the steal is logged");

        await run.StopAsync(bystander, consumersA[0].Processor, consumersA[1].Processor);
        await run.StopAsync(consumerB, newOwner);
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task LeaseExpiredLocally_BeforeRenewerRuns_NoFurtherBatchAndCheckpointRefusedWithoutWriting()
    {
        var clock = new FakeTimeProvider();
        await using var run = await StealRun.StartAsync(fixture, shards: 1);
        var a = run.CreateCoordinator("A", clock, run.DynamoA, seed: 1);
        var lease = Assert.Single(await a.TakeLeasesAsync());
        var (consumer, processor) = run.StartConsumer(a, lease, new GatedProcessor());
        await run.InSecondBatchAfterFirstCheckpointAsync(consumer, processor);

        // No renewal for longer than the failover time (the table unreachable, the renewer starved): the lease may be
        // taken by another worker at any moment, although nobody has taken it yet and the table would accept a write.
        clock.Advance(run.LeaseOptions.FailoverTime + TimeSpan.FromMilliseconds(1));
        var updates = run.DynamoA.Handler.Count("UpdateItem");
        processor.Gate.Release(100);
        await Eventually.HoldsAsync(() => processor.LeaseLost.Task.IsCompleted || processor.Batches.Count > 2, Deadline, "the processor told of the loss");

        Assert.Equal(2, processor.Batches.Count);
        Assert.IsType<LeaseLostException>(Assert.Single(processor.CheckpointFailures));
        Assert.Equal(updates, run.DynamoA.Handler.Count("UpdateItem"));
        var inTable = await run.Refresher.GetLeaseAsync(lease.LeaseKey);
        Assert.Equal(processor.LastCheckpoint, inTable!.Checkpoint);
        Assert.Equal(ShardConsumerEnd.LeaseLost, await consumer.Completion.WaitAsync(Deadline));
    }

    [Fact(Timeout = TestTimeouts.LongIntegration)]
    public async Task GracefulShutdown_AfterTheStealWasObserved_ProcessorGetsLeaseLostNotShutdownRequested()
    {
        await using var run = await StealRun.StartAsync(fixture, shards: 1);
        var a = run.CreateCoordinator("A", TimeProvider.System, run.DynamoA, seed: 1);
        var lease = Assert.Single(await a.TakeLeasesAsync());
        var (consumer, processor) = run.StartConsumer(a, lease, new GatedProcessor());
        await run.InSecondBatchAfterFirstCheckpointAsync(consumer, processor);
        Assert.NotNull(await run.Refresher.TryTakeLeaseAsync((await run.Refresher.GetLeaseAsync(lease.LeaseKey))!, "B"));
        await a.RenewLeasesAsync();

        // The stop is asked for while the batch runs: the processor is not handed a checkpointer for a lease it lost.
        consumer.RequestShutdown();
        processor.Gate.Release(100);

        Assert.Equal(ShardConsumerEnd.LeaseLost, await consumer.Completion.WaitAsync(Deadline));
        Assert.True(processor.LeaseLost.Task.IsCompleted);
        Assert.False(processor.ShutdownRequested);
        Assert.Equal(2, processor.Batches.Count);
    }

    /// <summary>A stream on kinesis-local with records in many small batches, and a lease table reached by two DynamoDB clients (one per worker).</summary>
    private sealed class StealRun : IAsyncDisposable
    {
        private readonly ConsumerTestEnvironment env;
        private readonly List<LeaseCoordinator> coordinators = [];

        private StealRun(LocalAwsFixture fixture)
        {
            env = new ConsumerTestEnvironment(fixture);
            DynamoA = new LeaseTestEnvironment(fixture, LeaseOptions);
            DynamoB = new LeaseTestEnvironment(fixture, LeaseOptions);
            Options = env.CreateOptions("A");
            Options.MaxRecords = 5;
            LoggerFactory = new LoggerFactory([new FakeLoggerProvider(Logs)]);
        }

        // Renewals are driven by hand; a long failover time keeps the leases from expiring between them.
        public LeaseManagementOptions LeaseOptions { get; } = new()
        {
            FailoverTime = TimeSpan.FromSeconds(30),
            TableActivePollInterval = TimeSpan.FromMilliseconds(20),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        };

        public LeaseTestEnvironment DynamoA { get; }

        public LeaseTestEnvironment DynamoB { get; }

        public DynamoDbLeaseRefresher Refresher => DynamoA.CreateRefresher();

        public KinesisConsumerOptions Options { get; }

        public FakeLogCollector Logs { get; } = new();

        public ILoggerFactory LoggerFactory { get; }

        public static async Task<StealRun> StartAsync(LocalAwsFixture fixture, int shards = 2)
        {
            var run = new StealRun(fixture);
            await run.env.CreateStreamAsync(shards);
            await run.env.PutRawAsync(keys: 16, first: 0, count: 8);
            var refresher = run.DynamoA.CreateRefresher();
            await refresher.CreateTableIfNotExistsAsync();
            var listed = await run.env.Kinesis.ListShardsAsync(new ListShardsRequest { StreamName = run.env.StreamName });
            foreach (var shard in listed.Shards)
            {
                await refresher.CreateLeaseIfNotExistsAsync(Lease.CreateNew(shard.ShardId, ExtendedSequenceNumber.TrimHorizon));
            }

            return run;
        }

        public LeaseCoordinator CreateCoordinator(string workerId, TimeProvider clock, LeaseTestEnvironment dynamo, int seed)
        {
            var refresher = new DynamoDbLeaseRefresher(dynamo.Client, DynamoA.TableName, LeaseOptions, TimeProvider.System, NullLogger.Instance);
            var coordinator = new LeaseCoordinator(refresher, workerId, LeaseOptions, clock, LoggerFactory, new Random(seed));
            coordinators.Add(coordinator);
            return coordinator;
        }

        public (ShardConsumer Consumer, GatedProcessor Processor) StartConsumer(LeaseCoordinator coordinator, HeldLease lease, GatedProcessor processor)
        {
            var counters = new ConsumerCounters();
            var logger = LoggerFactory.CreateLogger("consumer");
            var consumer = new ShardConsumer(
                lease,
                coordinator,
                _ => processor,
                (shardId, start) => new PollingRecordsPublisher(env.Kinesis, StreamAddress.ForName(env.StreamName), shardId, start, Options, counters, logger),
                new Deaggregator(),
                Options,
                counters,
                logger);
            consumer.Start();
            return (consumer, processor);
        }

        /// <summary>Lets the first batch through (it checkpoints) and waits until the processor is inside the second one.</summary>
        public async Task InSecondBatchAfterFirstCheckpointAsync(ShardConsumer consumer, GatedProcessor processor)
        {
            await Eventually.HoldsAsync(() => processor.Batches.Count == 1, Deadline, $"{consumer.ShardId}: first batch delivered");
            processor.Gate.Release();
            await Eventually.HoldsAsync(() => processor.Batches.Count == 2 && processor.LastCheckpoint is not null, Deadline, $"{consumer.ShardId}: first batch checkpointed, second delivered");
        }

        public async Task StopAsync(ShardConsumer consumer, params GatedProcessor[] processors)
        {
            foreach (var processor in processors)
            {
                processor.Gate.Release(100);
            }

            consumer.CancelLeaseLost();
            await consumer.Completion.WaitAsync(Deadline);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var coordinator in coordinators)
            {
                await coordinator.DisposeAsync();
            }

            DynamoA.Dispose();
            DynamoB.Dispose();
            LoggerFactory.Dispose();
            await env.DisposeAsync();
        }
    }

    /// <summary>
    /// Waits inside every batch until the test lets it go (ignoring its token, as a processor busy with a batch does),
    /// then checkpoints the batch and, like many applications, logs and swallows a failed checkpoint.
    /// </summary>
    private sealed class GatedProcessor : IShardRecordProcessor
    {
        private ExtendedSequenceNumber? lastCheckpoint;

        public SemaphoreSlim Gate { get; } = new(0);

        public ConcurrentQueue<IReadOnlyList<KinesisClientRecord>> Batches { get; } = new();

        public ConcurrentQueue<Exception> CheckpointFailures { get; } = new();

        public TaskCompletionSource LeaseLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ExtendedSequenceNumber? InitialCheckpoint { get; private set; }

        public bool ShutdownRequested { get; private set; }

        public ExtendedSequenceNumber? LastCheckpoint => Volatile.Read(ref lastCheckpoint);

        public Task InitializeAsync(InitializationInput input, CancellationToken cancellationToken = default)
        {
            InitialCheckpoint = input.Checkpoint;
            return Task.CompletedTask;
        }

        public async Task ProcessRecordsAsync(ProcessRecordsInput input, CancellationToken cancellationToken = default)
        {
            Batches.Enqueue(input.Records);
            if (!await Gate.WaitAsync(Deadline, CancellationToken.None))
            {
                throw new TimeoutException("the test never let the batch go");
            }

            try
            {
                await input.Checkpointer.CheckpointAsync(CancellationToken.None);
                Volatile.Write(ref lastCheckpoint, input.Checkpointer.LastCheckpoint);
            }
            catch (LeaseLostException ex)
            {
                CheckpointFailures.Enqueue(ex);
            }
        }

        public Task LeaseLostAsync(LeaseLostInput input, CancellationToken cancellationToken = default)
        {
            LeaseLost.TrySetResult();
            return Task.CompletedTask;
        }

        public Task ShardEndedAsync(ShardEndedInput input, CancellationToken cancellationToken = default) => input.Checkpointer.CheckpointAsync(cancellationToken);

        public Task ShutdownRequestedAsync(ShutdownRequestedInput input, CancellationToken cancellationToken = default)
        {
            ShutdownRequested = true;
            return Task.CompletedTask;
        }
    }
}
